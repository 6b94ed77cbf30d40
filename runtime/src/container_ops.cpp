#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/cgroups/manager.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/hooks.h"

namespace skiff::runtime {

namespace {

// A pidfd for the container's process, or invalid when that process is gone (or its pid was
// reused by another).
UniqueFd open_container_pidfd(const ContainerState& state) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, state.pid, 0)));
  if (!fd) {
    return fd;
  }
  if (process_start_time(state.pid) != state.pid_start_time) {
    fd.reset();
  }
  return fd;
}

void signal_process(const ContainerState& state, int signal) {
  UniqueFd pidfd = open_container_pidfd(state);
  if (!pidfd) {
    throw Error("container \"" + state.id + "\" is not running");
  }
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) < 0) {
    throw_errno("send signal " + std::to_string(signal) + " to container \"" + state.id + "\"");
  }
}

// Waits (bounded) for the container's process to be gone.
void wait_gone(const ContainerState& state) {
  UniqueFd pidfd = open_container_pidfd(state);
  if (!pidfd) {
    return;
  }
  pollfd p{pidfd.get(), POLLIN, 0};
  if (::poll(&p, 1, 10000) == 0) {
    throw Error("container \"" + state.id + "\" did not exit within 10s of SIGKILL");
  }
}

void deep_merge(boost::json::object& base, const boost::json::object& patch) {
  for (const auto& kv : patch) {
    auto* existing = base.if_contains(kv.key());
    if (existing != nullptr && existing->is_object() && kv.value().is_object()) {
      deep_merge(existing->get_object(), kv.value().get_object());
    } else {
      base[kv.key()] = kv.value();
    }
  }
}

}  // namespace

int parse_signal(const std::string& value) {
  if (value.empty()) {
    throw Error("invalid signal \"\"");
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int n = value.size() < 4 ? std::stoi(value) : -1;
    if (n <= 0 || n >= NSIG) {
      throw Error("invalid signal \"" + value + "\"");
    }
    return n;
  }
  std::string name;
  for (char c : value) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (name.rfind("SIG", 0) == 0) {
    name = name.substr(3);
  }
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) {
      return sig;
    }
  }
  // The offset is one or two digits and nothing else: atoi would take "RTMIN+x" as RTMIN.
  std::string digits = name.size() > 6 ? name.substr(6) : "";
  if ((name.rfind("RTMIN+", 0) == 0 || name.rfind("RTMAX-", 0) == 0) && !digits.empty() && digits.size() <= 2 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int offset = std::stoi(digits);
    int sig = name[2] == 'M' && name[3] == 'I' ? SIGRTMIN + offset : SIGRTMAX - offset;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
      return sig;
    }
  }
  throw Error("invalid signal \"" + value + "\"");
}

void Runtime::start(const std::string& id) {
  ContainerDir dir = ContainerDir::open(root_, id);
  ContainerState state = dir.load_state();
  Status status = container_status(dir, state);
  if (status != Status::created) {
    throw Error("cannot start container \"" + id + "\": it is " + std::string(status_name(status)) + ", not created");
  }
  // The pidfd first: opening the fifo releases the process, which may exec and exit at once.
  UniqueFd pidfd = open_container_pidfd(state);
  if (!pidfd) {
    throw Error("cannot start container \"" + id + "\": its process has exited");
  }
  UniqueFd fifo(::open(dir.fifo_path().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) {
    throw_errno("open the exec fifo " + dir.fifo_path());
  }
  // Wait for the byte the container's process writes once it holds the fifo, or for its exit.
  for (;;) {
    pollfd fds[2] = {{fifo.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("wait for the container's process to start");
    }
    if ((fds[0].revents & POLLIN) != 0) {
      char byte = 0;
      if (::read(fifo.get(), &byte, 1) == 1) {
        break;
      }
    }
    if (fds[1].revents != 0) {
      throw Error("cannot start container \"" + id + "\": its process exited before it could start");
    }
  }
  if (::unlinkat(dir.fd(), "exec.fifo", 0) < 0) {
    throw_errno("remove " + dir.fifo_path());
  }
  // The container's process keeps its end open (close-on-exec) until it execs the user's
  // program, or exits: poststart runs only after that, as the spec asks.
  for (;;) {
    pollfd p{fifo.get(), POLLIN, 0};
    if (::poll(&p, 1, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("wait for the container's process to exec");
    }
    char byte = 0;
    ssize_t n = ::read(fifo.get(), &byte, 1);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      break;
    }
  }
  auto config = dir.load_config();
  Spec spec = parse_spec(config, dir.path() + "/config.json");
  run_hooks_warn_only(spec.hooks.poststart, "poststart", boost::json::serialize(oci_state(state, Status::running)));
}

boost::json::object Runtime::state(const std::string& id) {
  ContainerDir dir = ContainerDir::open(root_, id, ContainerDir::Lock::none);
  ContainerState state = dir.load_state();
  return oci_state(state, container_status(dir, state));
}

void Runtime::kill(const std::string& id, int signal, bool all) {
  ContainerDir dir = ContainerDir::open(root_, id);
  ContainerState state = dir.load_state();
  Status status = container_status(dir, state);
  if (status == Status::stopped && !all) {
    throw Error("container \"" + id + "\" is not running");
  }
  if (all) {
    auto cgroup = cgroups::load_manager(state.cgroup);
    if (cgroup->enabled()) {
      cgroup->kill_all(signal);
      return;
    }
    if (status == Status::stopped) {
      return;
    }
  }
  signal_process(state, signal);
  if (status == Status::paused && signal == SIGKILL) {
    cgroups::load_manager(state.cgroup)->thaw();
  }
}

void Runtime::remove(const std::string& id, bool force) {
  // As runc: --force on a container that does not exist succeeds. podman and conmon call
  // `delete --force` after a failed create, which has already rolled the container back; an
  // error there is printed to the user on top of the real one. A directory without state.json
  // is a create that died half-way: --force clears it.
  if (force && !root_.exists(id)) {
    validate_container_id(id);
    remove_all(root_.container_dir(id));
    return;
  }
  ContainerDir dir = ContainerDir::open(root_, id);
  ContainerState state = dir.load_state();
  Status status = container_status(dir, state);
  if (status == Status::running || status == Status::paused) {
    if (!force) {
      throw Error("cannot delete container \"" + id + "\": it is " + std::string(status_name(status)) +
                  " (stop it first, or use --force)");
    }
  }
  auto cgroup = cgroups::load_manager(state.cgroup);
  if (status != Status::stopped) {
    if (status == Status::paused) {
      cgroup->thaw();
    }
    try {
      signal_process(state, SIGKILL);
    } catch (const Error&) {
      // It exited meanwhile.
    }
    wait_gone(state);
  }
  if (cgroup->enabled()) {
    // Without a pid namespace of its own, the container's other processes outlive its init.
    cgroup->kill_all(SIGKILL);
    cgroup->destroy();
  }
  Spec spec = parse_spec(dir.load_config(), dir.path() + "/config.json");
  std::string state_json = boost::json::serialize(oci_state(state, Status::stopped));
  dir.remove();
  run_hooks_warn_only(spec.hooks.poststop, "poststop", state_json);
}

void Runtime::pause(const std::string& id) {
  ContainerDir dir = ContainerDir::open(root_, id);
  ContainerState state = dir.load_state();
  Status status = container_status(dir, state);
  if (status != Status::running && status != Status::created) {
    throw Error("cannot pause container \"" + id + "\": it is " + std::string(status_name(status)));
  }
  auto cgroup = cgroups::load_manager(state.cgroup);
  if (!cgroup->enabled()) {
    throw Error("cannot pause container \"" + id + "\": " + std::string(cgroups::kNoRootlessCgroup));
  }
  cgroup->freeze();
}

void Runtime::resume(const std::string& id) {
  ContainerDir dir = ContainerDir::open(root_, id);
  ContainerState state = dir.load_state();
  Status status = container_status(dir, state);
  if (status != Status::paused) {
    throw Error("cannot resume container \"" + id + "\": it is " + std::string(status_name(status)) + ", not paused");
  }
  cgroups::load_manager(state.cgroup)->thaw();
}

void Runtime::update(const std::string& id, const boost::json::object& patch) {
  ContainerDir dir = ContainerDir::open(root_, id);
  ContainerState state = dir.load_state();
  Status status = container_status(dir, state);
  if (status == Status::stopped) {
    throw Error("cannot update container \"" + id + "\": it is stopped");
  }
  boost::json::value config = dir.load_config();
  auto& linux = config.as_object()["linux"];
  if (!linux.is_object()) {
    linux = boost::json::object();
  }
  auto& resources = linux.as_object()["resources"];
  if (!resources.is_object()) {
    resources = boost::json::object();
  }
  deep_merge(resources.as_object(), patch);
  cgroups::Resources merged = cgroups::parse_resources(resources, "linux.resources");
  auto cgroup = cgroups::load_manager(state.cgroup);
  if (!cgroup->enabled()) {
    throw Error("cannot update container \"" + id + "\": " + std::string(cgroups::kNoRootlessCgroup));
  }
  cgroup->apply(merged);
  dir.save_config(boost::json::serialize(config));
}

std::vector<pid_t> Runtime::pids(const std::string& id) {
  ContainerDir dir = ContainerDir::open(root_, id, ContainerDir::Lock::none);
  ContainerState state = dir.load_state();
  auto cgroup = cgroups::load_manager(state.cgroup);
  if (cgroup->enabled()) {
    return cgroup->pids();
  }
  if (container_status(dir, state) == Status::stopped) {
    return {};
  }
  return {state.pid};
}

std::vector<ContainerSummary> Runtime::list() {
  std::vector<ContainerSummary> out;
  for (const auto& id : root_.list()) {
    try {
      ContainerDir dir = ContainerDir::open(root_, id, ContainerDir::Lock::none);
      ContainerState state = dir.load_state();
      out.push_back({state, container_status(dir, state)});
    } catch (const Error& e) {
      log::debug(std::string("list: skipping ") + id + ": " + e.what());
    }
  }
  return out;
}

}  // namespace skiff::runtime
