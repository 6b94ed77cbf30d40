// The monitor process itself (monitor.h): one round per run of the container (create, start,
// serve its stdio and attach clients until it exits, record the end), repeated while the restart
// policy says so.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <list>

#include "monitor.h"
#include "pod_net.h"
#include "pod_store.h"
#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"
#include "skiff/base/unix_socket.h"
#include "skiff/pod/attach.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/state.h"

namespace skiff::pod {

namespace {

using Clock = std::chrono::steady_clock;

// A run that lasted this long resets the restart delay to its first step (docker's rule).
constexpr std::chrono::seconds kRestartDelayReset{10};
constexpr size_t kReadChunk = 65536;

// Closes every fd but 0-2 and the two given ones.
void close_other_fds(int keep_a, int keep_b) {
  int lo = std::min(keep_a, keep_b);
  int hi = std::max(keep_a, keep_b);
  auto close_range = [](unsigned first, unsigned last) {
    if (first <= last) {
      ::syscall(SYS_close_range, first, last, 0);
    }
  };
  if (lo < 3) {
    lo = hi;
  }
  if (lo < 3) {
    close_range(3, UINT_MAX);
    return;
  }
  close_range(3, lo - 1);
  if (hi != lo) {
    close_range(lo + 1, hi - 1);
  }
  close_range(hi + 1, UINT_MAX);
}

bool send(int fd, const std::string& message) {
  return ::write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size());
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe(const std::string& what) {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe for " + what);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Points fds 0-2 at what the next container gets; they are inherited by its process. Every
// other fd of ours is close-on-exec or closed by the runtime before the container's exec.
void point_stdio(int in, int out, int err) {
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
}

struct AttachClient {
  UniqueFd fd;
  FrameDecoder decoder;
};

class Monitor {
 public:
  Monitor(const MonitorRequest& request, int report_fd)
      : request_(request),
        report_fd_(report_fd),
        rt_(runtime::StateRoot(request.state_root)),
        status_file_(status_path(request.bundle)) {}

  [[noreturn]] void run();

 private:
  void setup_process();
  // One run of the container: create (and start). Throws the runtime's error.
  void create_and_start(bool first);
  // Serves the running container until its process exits; returns its wait status.
  int serve();
  void record_exit(int wait_status);
  // Waits out the restart delay; false when the user stopped the container meanwhile.
  bool wait_restart_delay(std::chrono::milliseconds delay);
  bool stop_requested() const { return !request_.stop_marker.empty() && path_exists(request_.stop_marker); }
  void remove_container();
  [[noreturn]] void fail_first(const std::string& message);
  [[noreturn]] void finish();

  void accept_client();
  void handle_client(std::list<AttachClient>::iterator client);
  void broadcast(FrameType type, std::string_view data);
  void on_output(LogStream stream, std::string_view data);
  // Reads what fd has now; false at its end (or EIO of a pty master whose slaves are closed).
  bool drain(int fd, LogStream stream);
  void close_clients(const std::string& exit_code);
  void handle_signals(bool& container_exited, int& wait_status);

  const MonitorRequest& request_;
  int report_fd_;
  runtime::Runtime rt_;
  std::optional<CriLogWriter> log_;  // opened once the inherited fds are closed
  std::string status_file_;
  ContainerRecord record_;
  std::optional<PodSlirp> slirp_;

  UniqueFd null_;
  UniqueFd signals_;
  UniqueFd listener_;
  std::list<AttachClient> clients_;
  UniqueFd stdout_;  // read ends, without -t
  UniqueFd stderr_;
  UniqueFd stdin_;    // write end, with -i without -t
  UniqueFd master_;   // the pty, with -t
  UniqueFd console_;  // the console socket listener, with -t
};

void Monitor::setup_process() {
  ::prctl(PR_SET_NAME, "skiff-monitor");
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::signal(SIGPIPE, SIG_IGN);
  close_other_fds(report_fd_, request_.lock_fd);
  log_.emplace(request_.log_path, request_.log_rotation);
  null_.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
  point_stdio(null_.get(), null_.get(), null_.get());
  if (::chdir("/") != 0) {
    ::_exit(1);
  }
  // Children's ends and stop requests (SIGUSR1) arrive through a signalfd, in the loop.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGUSR1);
  ::sigprocmask(SIG_SETMASK, &handled, nullptr);
  signals_.reset(::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!request_.attach_socket.empty()) {
    listener_ = listen_unix_socket(request_.attach_socket, "attach socket");
  }
}

void Monitor::create_and_start(bool first) {
  runtime::CreateOptions options;
  options.id = request_.runtime_id;
  options.bundle = request_.bundle;
  std::optional<Pipe> out;
  std::optional<Pipe> err;
  std::optional<Pipe> in;
  UniqueFd console_dir;
  if (request_.tty) {
    std::string path = request_.bundle + "/console.sock";
    console_ = listen_unix_socket(path, "console socket");
    // The runtime connects from this process: the short /proc/self/fd path of the bundle works.
    console_dir.reset(::open(request_.bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    options.console_socket = fd_path(console_dir.get()) + "/console.sock";
    point_stdio(null_.get(), null_.get(), null_.get());
  } else {
    out = make_pipe("the container's stdout");
    err = make_pipe("the container's stderr");
    if (request_.interactive) {
      in = make_pipe("the container's stdin");
    }
    point_stdio(in ? in->read.get() : null_.get(), out->write.get(), err->write.get());
  }
  try {
    record_.pid = rt_.create(options);
  } catch (...) {
    point_stdio(null_.get(), null_.get(), null_.get());
    throw;
  }
  point_stdio(null_.get(), null_.get(), null_.get());
  if (request_.tty) {
    UniqueFd connection(::accept4(console_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) {
      throw_errno("accept on the console socket");
    }
    master_ = receive_fd(connection.get(), nullptr, "the console socket");
    console_.reset();
    ::unlink((request_.bundle + "/console.sock").c_str());
    set_nonblocking(master_.get());
  } else {
    stdout_ = std::move(out->read);
    stderr_ = std::move(err->read);
    set_nonblocking(stdout_.get());
    set_nonblocking(stderr_.get());
    if (in) {
      stdin_ = std::move(in->write);
    }
  }
  if (first && request_.slirp && !request_.slirp_netns.empty()) {
    // A namespace file: served before the start, and before an attaching caller hears of it, so
    // that a container that exits at once still had its network and its ports are up before it
    // serves.
    slirp_.emplace(request_.slirp_dir, record_.pid, request_.ports, request_.slirp_netns);
  }
  if (first && request_.start_on_attach) {
    record_.state = "created";
    save_container_record(status_file_, record_);
    if (!send(report_fd_, "ok " + std::to_string(record_.monitor_pid) + " " +
                              std::to_string(record_.monitor_start_time) + " " + std::to_string(record_.pid) + "\n")) {
      throw Error("the caller went away before it learnt of the container");
    }
    // The caller reads the report to its end, then connects.
    ::close(report_fd_);
    report_fd_ = -1;
    // The first client starts it; nothing else is served until then.
    while (clients_.empty()) {
      pollfd pfd{listener_.get(), POLLIN, 0};
      if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
        throw_errno("poll the attach socket");
      }
      if ((pfd.revents & POLLIN) != 0) {
        accept_client();
      }
    }
  }
  rt_.start(request_.runtime_id);
  if (first && request_.slirp && request_.slirp_netns.empty()) {
    // The pod's infra, by its /proc/<pid>/ns: only once it runs, as the runtime keeps a created
    // container's process undumpable (its /proc/<pid>/ns closed to the monitor) until its exec.
    slirp_.emplace(request_.slirp_dir, record_.pid, request_.ports);
  }
  record_.state = "running";
  record_.started_at = now_rfc3339();
  record_.finished_at.clear();
  save_container_record(status_file_, record_);
}

void Monitor::accept_client() {
  UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (fd) {
    clients_.push_back({std::move(fd), {}});
  }
}

void Monitor::broadcast(FrameType type, std::string_view data) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    try {
      send_frame(it->fd.get(), type, data);
      ++it;
    } catch (const Error&) {
      it = clients_.erase(it);
    }
  }
}

void Monitor::on_output(LogStream stream, std::string_view data) {
  try {
    log_->write(stream, data);
  } catch (const Error&) {
    // A full disk must not stop the container: its output still reaches attached clients.
  }
  broadcast(stream == LogStream::stdout_stream ? FrameType::stdout_data : FrameType::stderr_data, data);
}

bool Monitor::drain(int fd, LogStream stream) {
  char buffer[kReadChunk];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      on_output(stream, std::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return n < 0 && errno == EAGAIN;
  }
}

void Monitor::handle_client(std::list<AttachClient>::iterator client) {
  char buffer[kReadChunk];
  ssize_t n = ::read(client->fd.get(), buffer, sizeof buffer);
  if (n <= 0) {
    if (n < 0 && errno == EINTR) {
      return;
    }
    clients_.erase(client);
    return;
  }
  client->decoder.feed(std::string_view(buffer, static_cast<size_t>(n)));
  try {
    while (auto frame = client->decoder.next()) {
      int target = request_.tty ? master_.get() : stdin_.get();
      switch (frame->type) {
        case FrameType::stdin_data:
          if (target >= 0) {
            write_all(target, frame->payload, "the container's stdin");
          }
          break;
        case FrameType::stdin_close:
          stdin_.reset();  // EOF for the container (a terminal has no EOF to pass on)
          break;
        case FrameType::resize:
          if (master_ && frame->payload.size() == 4) {
            const auto* p = reinterpret_cast<const unsigned char*>(frame->payload.data());
            winsize ws{};
            ws.ws_row = static_cast<unsigned short>((p[0] << 8) | p[1]);
            ws.ws_col = static_cast<unsigned short>((p[2] << 8) | p[3]);
            ::ioctl(master_.get(), TIOCSWINSZ, &ws);
          }
          break;
        default:
          break;
      }
    }
  } catch (const Error&) {
    clients_.erase(client);
  }
}

void Monitor::handle_signals(bool& container_exited, int& wait_status) {
  signalfd_siginfo info{};
  while (::read(signals_.get(), &info, sizeof info) == sizeof info) {
  }
  // Every child that ended: the container's process, or orphans reparented to us.
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(-1, &st, WNOHANG);
    if (r <= 0) {
      break;
    }
    if (r == record_.pid) {
      container_exited = true;
      wait_status = st;
    }
  }
}

int Monitor::serve() {
  bool exited = false;
  int wait_status = 0;
  bool out_open = true;
  bool err_open = true;
  while (!exited) {
    std::vector<pollfd> fds;
    fds.push_back({signals_.get(), POLLIN, 0});
    fds.push_back({listener_.get(), POLLIN, 0});
    fds.push_back({out_open && stdout_ ? stdout_.get() : -1, POLLIN, 0});
    fds.push_back({err_open && stderr_ ? stderr_.get() : -1, POLLIN, 0});
    fds.push_back({out_open && master_ ? master_.get() : -1, POLLIN, 0});
    std::vector<std::list<AttachClient>::iterator> polled;
    for (auto it = clients_.begin(); it != clients_.end(); ++it) {
      fds.push_back({it->fd.get(), POLLIN, 0});
      polled.push_back(it);
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("poll in the monitor");
    }
    auto ready = [&](size_t i) { return (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0; };
    if (ready(2)) {
      out_open = drain(stdout_.get(), LogStream::stdout_stream);
    }
    if (ready(3)) {
      err_open = drain(stderr_.get(), LogStream::stderr_stream);
    }
    if (ready(4)) {
      out_open = drain(master_.get(), LogStream::stdout_stream);
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      if (ready(5 + i)) {
        handle_client(polled[i]);
      }
    }
    if (ready(1)) {
      accept_client();
    }
    if (ready(0)) {
      handle_signals(exited, wait_status);
    }
  }
  // The rest of its output is in the pipes (or the pty) already.
  if (stdout_) {
    drain(stdout_.get(), LogStream::stdout_stream);
  }
  if (stderr_) {
    drain(stderr_.get(), LogStream::stderr_stream);
  }
  if (master_) {
    drain(master_.get(), LogStream::stdout_stream);
  }
  log_->flush(LogStream::stdout_stream);
  log_->flush(LogStream::stderr_stream);
  stdout_.reset();
  stderr_.reset();
  stdin_.reset();
  master_.reset();
  return wait_status;
}

void Monitor::record_exit(int wait_status) {
  record_.state = "exited";
  record_.finished_at = now_rfc3339();
  record_.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  try {
    record_.oom_killed = rt_.stats(request_.runtime_id).oom_kill > 0;
  } catch (const std::exception&) {
  }
  try {
    save_container_record(status_file_, record_);
  } catch (const std::exception&) {
  }
}

void Monitor::remove_container() {
  try {
    rt_.remove(request_.runtime_id, true);
  } catch (const std::exception& e) {
    try {
      log_->write_line(LogStream::stderr_stream,
                       std::string("skiff-monitor: delete ") + request_.runtime_id + ": " + e.what());
    } catch (const Error&) {
    }
  }
}

void Monitor::close_clients(const std::string& exit_code) {
  broadcast(FrameType::exit, exit_code);
  clients_.clear();
}

bool Monitor::wait_restart_delay(std::chrono::milliseconds delay) {
  auto deadline = Clock::now() + delay;
  while (!stop_requested()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return true;
    }
    pollfd pfd{signals_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
      bool ignored = false;
      int status = 0;
      handle_signals(ignored, status);
    }
  }
  return false;
}

void Monitor::fail_first(const std::string& message) {
  send(report_fd_, "error " + message);
  slirp_.reset();
  try {
    rt_.remove(request_.runtime_id, true);
  } catch (const std::exception&) {
  }
  ::_exit(1);
}

void Monitor::finish() {
  // The pod's network goes with its infra; before reaping orphans, as slirp4netns is our child.
  slirp_.reset();
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  if (request_.on_exit) {
    try {
      request_.on_exit();
    } catch (const std::exception& e) {
      try {
        log_->write_line(LogStream::stderr_stream, std::string("skiff-monitor: cleaning up: ") + e.what());
      } catch (const Error&) {
      }
    }
  }
  ::_exit(0);
}

void Monitor::run() {
  record_.monitor_pid = ::getpid();
  record_.monitor_start_time = runtime::process_start_time(record_.monitor_pid);
  try {
    setup_process();
    // First of all, so that recovery can find this process whatever happens next.
    save_container_record(status_file_, record_);
    create_and_start(true);
  } catch (const std::exception& e) {
    fail_first(e.what());
  }
  if (!request_.start_on_attach &&
      !send(report_fd_, "ok " + std::to_string(record_.monitor_pid) + " " + std::to_string(record_.monitor_start_time) +
                            " " + std::to_string(record_.pid) + "\n")) {
    // The caller is gone before it learnt of this container: nobody would ever stop it.
    slirp_.reset();
    remove_container();
    ::_exit(1);
  }
  if (report_fd_ >= 0) {
    ::close(report_fd_);
  }
  ::close(request_.lock_fd);

  int delay_step = 0;
  for (;;) {
    auto started = Clock::now();
    int wait_status = 0;
    try {
      wait_status = serve();
    } catch (const std::exception& e) {
      // The loop itself failed: nothing can serve the container any more.
      try {
        rt_.kill(request_.runtime_id, SIGKILL, true);
        log_->write_line(LogStream::stderr_stream, std::string("skiff-monitor: ") + e.what());
      } catch (const std::exception&) {
      }
      wait_status = W_EXITCODE(255, 0);
    }
    record_exit(wait_status);
    remove_container();
    close_clients(std::to_string(record_.exit_code));
    if (stop_requested() || !request_.restart.restarts(record_.exit_code, record_.restart_count)) {
      finish();
    }
    if (Clock::now() - started >= kRestartDelayReset) {
      delay_step = 0;
    }
    record_.state = "restarting";
    save_container_record(status_file_, record_);
    if (!wait_restart_delay(restart_delay(delay_step++))) {
      record_.state = "exited";
      save_container_record(status_file_, record_);
      finish();
    }
    ++record_.restart_count;
    try {
      create_and_start(false);
    } catch (const std::exception& e) {
      try {
        log_->write_line(LogStream::stderr_stream, std::string("skiff-monitor: restart: ") + e.what());
      } catch (const Error&) {
      }
      record_.state = "exited";
      record_.exit_code = 125;
      save_container_record(status_file_, record_);
      remove_container();
      finish();
    }
  }
}

}  // namespace

void run_monitor(const MonitorRequest& request, int report_fd) {
  Monitor monitor(request, report_fd);
  monitor.run();
}

}  // namespace skiff::pod
