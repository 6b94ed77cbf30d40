#include "skiff/base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"

namespace skiff {

namespace {

struct Pipe {
  UniqueFd read;
  UniqueFd write;
  explicit operator bool() const { return read.valid() || write.valid(); }
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) {
    throw_errno("pipe");
  }
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<char*> to_argv(const std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (const auto& s : items) {
    out.push_back(const_cast<char*>(s.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

// Reads what is there from one of the output pipes; false once it is at its end or empty.
bool read_some(int fd, Pipe& out, Pipe& err, SubprocessResult& result) {
  char buf[8192];
  ssize_t r = ::read(fd, buf, sizeof buf);
  if (r < 0 && errno == EINTR) {
    return true;
  }
  bool is_out = out && fd == out.read.get();
  if (r < 0 && errno == EAGAIN) {
    return false;
  }
  if (r <= 0) {
    (is_out ? out.read : err.read).reset();
    return false;
  }
  (is_out ? result.out : result.err).append(buf, static_cast<size_t>(r));
  return true;
}

// Writes to a pipe whose reader may be gone (a child that exits without reading its input)
// without letting SIGPIPE kill the caller: EPIPE is reported instead. SIGPIPE is blocked for
// this thread around the write and a SIGPIPE it raised is consumed before unblocking.
ssize_t write_without_sigpipe(int fd, std::string_view data) {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t old;
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t w = ::write(fd, data.data(), data.size());
  int err = errno;
  if (w < 0 && err == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return w;
}

}  // namespace

std::string SubprocessResult::describe() const {
  if (timed_out) {
    return "timed out";
  }
  if (signal != 0) {
    return "killed by signal " + std::to_string(signal);
  }
  return "exit status " + std::to_string(exit_code);
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw_errno("waitpid " + std::to_string(pid));
    }
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}

SubprocessResult run_subprocess(const SubprocessOptions& options) {
  if (options.args.empty()) {
    throw Error("run_subprocess: no arguments");
  }
  Pipe in;
  Pipe out;
  Pipe err;
  if (options.input) {
    in = make_pipe();
  }
  if (options.capture_stdout) {
    out = make_pipe();
  }
  if (options.capture_stderr) {
    err = make_pipe();
  }
  auto argv = to_argv(options.args);
  std::vector<char*> envp;
  if (options.env) {
    envp = to_argv(*options.env);
  }
  const std::string& program = options.path.empty() ? options.args[0] : options.path;

  pid_t pid = ::fork();
  if (pid < 0) {
    throw_errno("fork for " + program);
  }
  if (pid == 0) {
    // O_CLOEXEC: dup2 gives stdin its own copy; the original must not reach the program.
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ::dup2(in ? in.read.get() : devnull, 0);
    ::dup2(out ? out.write.get() : STDOUT_FILENO, 1);
    ::dup2(err ? err.write.get() : STDERR_FILENO, 2);
    ::signal(SIGPIPE, SIG_DFL);
    // A caller that blocks signals (to forward them) must not pass that on to the program.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) < 0) {
      ::dprintf(2, "chdir %s: %s\n", options.cwd.c_str(), strerror(errno));
      ::_exit(127);
    }
    if (options.path.empty()) {
      if (options.env) {
        ::execvpe(program.c_str(), argv.data(), envp.data());
      } else {
        ::execvp(program.c_str(), argv.data());
      }
    } else {
      ::execve(program.c_str(), argv.data(), options.env ? envp.data() : environ);
    }
    ::dprintf(2, "exec %s: %s\n", program.c_str(), strerror(errno));
    ::_exit(127);
  }
  in.read.reset();
  out.write.reset();
  err.write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  SubprocessResult result;
  std::string_view pending = options.input ? std::string_view(*options.input) : std::string_view();
  if (in && pending.empty()) {
    in.write.reset();
  }
  if (in) {
    ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
  }
  auto deadline = options.timeout ? std::chrono::steady_clock::now() + *options.timeout
                                  : std::chrono::steady_clock::time_point::max();
  // Reads until the child exits, then drains what is buffered: a grandchild that keeps the
  // pipes open (a daemon, a container's process) must not hold the caller.
  bool exited = false;
  while (!exited && (out || err || in || pidfd)) {
    std::vector<pollfd> fds;
    if (out) {
      fds.push_back({out.read.get(), POLLIN, 0});
    }
    if (err) {
      fds.push_back({err.read.get(), POLLIN, 0});
    }
    if (in) {
      fds.push_back({in.write.get(), POLLOUT, 0});
    }
    if (pidfd) {
      fds.push_back({pidfd.get(), POLLIN, 0});
    }
    int wait_ms = -1;
    if (options.timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<long long>(0, left.count()));
    }
    int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n == 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    for (const auto& p : fds) {
      if (p.revents == 0) {
        continue;
      }
      if (pidfd && p.fd == pidfd.get()) {
        exited = true;
        continue;
      }
      if (in && p.fd == in.write.get()) {
        ssize_t w = write_without_sigpipe(p.fd, pending);
        if (w > 0) {
          pending.remove_prefix(static_cast<size_t>(w));
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
          pending = {};
        }
        if (pending.empty()) {
          in.write.reset();
        }
        continue;
      }
      read_some(p.fd, out, err, result);
    }
  }
  if (exited) {
    for (Pipe* pipe : {&out, &err}) {
      if (pipe->read) {
        ::fcntl(pipe->read.get(), F_SETFL, O_NONBLOCK);
        while (pipe->read && read_some(pipe->read.get(), out, err, result)) {
        }
      }
    }
  }
  if (!result.timed_out && options.timeout && pidfd) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count()))) == 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw_errno("waitpid " + program);
    }
  }
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace skiff
