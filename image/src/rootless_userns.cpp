#include "skiff/image/rootless_userns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <utility>

#include "rootless_userns_fork.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/passwd.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"

namespace skiff::image {

namespace {

constexpr char kOk = 'o';
constexpr char kFailed = 'e';

std::optional<SubIdRange> range_in_file(const std::string& path, const std::string& user, uint32_t id) {
  if (!path_exists(path)) {
    return std::nullopt;
  }
  return find_subid_range(read_file(path), user, id);
}

// The forked child: killed and reaped when the parent leaves early (an exception).
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // Waits for it to exit; its exit code, or 128 + the signal that killed it.
  int wait() { return wait_exit_code(std::exchange(pid_, -1)); }

 private:
  pid_t pid_;
};

std::string command_line(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& arg : args) {
    line += (line.empty() ? "" : " ") + arg;
  }
  return line;
}

void write_map(std::string_view helper, pid_t pid, const std::vector<IdMapping>& mappings) {
  SubprocessOptions options;
  options.args = map_helper_args(helper, pid, mappings);
  SubprocessResult result;
  try {
    result = run_subprocess(options);
  } catch (const Error& e) {
    throw Error("user namespace: " + std::string(e.what()) + " (the uidmap package installs " + std::string(helper) +
                ")");
  }
  if (result.exit_code == 127) {
    throw Error("user namespace: " + std::string(helper) + " is not installed (the uidmap package installs it)");
  }
  if (!result.ok()) {
    throw Error("user namespace: " + command_line(options.args) + ": " + result.describe() + ": " +
                std::string(trim(result.err)) + " (check the caller's ranges in /etc/subuid and /etc/subgid)");
  }
}

// The child's side: a user namespace, wait for its maps, a mount namespace, then fn. Never
// returns; the result pipe gets kOk or kFailed and fn's result or error.
[[noreturn]] void child_main(UserNamespaceFork self, const std::function<std::string()>& fn) {
  char status = kFailed;
  std::string message;
  try {
    check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "user namespace: prctl PR_SET_PDEATHSIG");
    enter_mapped_user_namespace(self);
    check(::unshare(CLONE_NEWNS), "user namespace: unshare CLONE_NEWNS");
    // Nothing mounted here reaches the parent's namespace, and the mounts go with the child.
    check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "user namespace: make / private");
    message = fn();
    status = kOk;
  } catch (const std::exception& e) {
    message = e.what();
  }
  try {
    write_all(self.result.get(), std::string(1, status) + message, "user namespace: result pipe");
  } catch (const Error&) {
    // The parent is gone; nobody is left to tell.
  }
  std::fflush(nullptr);
  ::_exit(status == kOk ? 0 : 1);
}

// What the child said, or how it died when it said nothing.
std::string finish(Child& child, UniqueFd result) {
  std::string said = read_all(result.get(), "user namespace: result pipe");
  int code = child.wait();
  if (!said.empty() && said[0] == kOk && code == 0) {
    return said.substr(1);
  }
  if (!said.empty() && said[0] == kFailed) {
    throw Error(said.substr(1));
  }
  throw Error(
      "user namespace: the child " +
      (code > 128 ? "was killed by signal " + std::to_string(code - 128) : "exited with " + std::to_string(code)) +
      " before it reported");
}

}  // namespace

std::optional<SubIdRange> find_subid_range(std::string_view text, std::string_view user, uint32_t id) {
  auto number = std::to_string(id);
  for (const auto& line : split(text, '\n')) {
    auto fields = split(trim(line), ':');
    if (fields.size() != 3 || (fields[0] != user && fields[0] != number)) {
      continue;
    }
    try {
      SubIdRange range{static_cast<uint32_t>(parse_uint(fields[1], "subordinate id start")),
                       static_cast<uint32_t>(parse_uint(fields[2], "subordinate id count"))};
      if (range.size > 0) {
        return range;
      }
    } catch (const Error&) {
      // newuidmap skips a malformed line too.
    }
  }
  return std::nullopt;
}

UserNamespaceMaps rootless_maps(uid_t uid, gid_t gid, SubIdRange subuid, SubIdRange subgid) {
  return {.uids = {{0, uid, 1}, {1, subuid.start, subuid.size}}, .gids = {{0, gid, 1}, {1, subgid.start, subgid.size}}};
}

UserNamespaceMaps rootless_maps_for_caller() {
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  std::string user = user_name(uid);
  auto subuid = range_in_file("/etc/subuid", user, uid);
  if (!subuid) {
    throw Error("/etc/subuid: no subordinate uid range for user " + user + " (usermod --add-subuids)");
  }
  auto subgid = range_in_file("/etc/subgid", user, gid);
  if (!subgid) {
    throw Error("/etc/subgid: no subordinate gid range for user " + user + " (usermod --add-subgids)");
  }
  return rootless_maps(uid, gid, *subuid, *subgid);
}

std::optional<uint32_t> outside_id(const std::vector<IdMapping>& mappings, uint32_t inside) {
  for (const auto& m : mappings) {
    if (inside >= m.inside && inside - m.inside < m.size) {
      return m.outside + (inside - m.inside);
    }
  }
  return std::nullopt;
}

std::vector<std::string> map_helper_args(std::string_view helper, pid_t pid, const std::vector<IdMapping>& mappings) {
  std::vector<std::string> args{std::string(helper), std::to_string(pid)};
  for (const auto& m : mappings) {
    args.push_back(std::to_string(m.inside));
    args.push_back(std::to_string(m.outside));
    args.push_back(std::to_string(m.size));
  }
  return args;
}

void write_id_maps(pid_t pid, const UserNamespaceMaps& maps) {
  write_map("newuidmap", pid, maps.uids);
  write_map("newgidmap", pid, maps.gids);
}

UserNamespaceFork fork_for_user_namespace() {
  struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
  };
  auto make_pipe = [] {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC), "user namespace: pipe");
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  };
  Pipe ready = make_pipe();
  Pipe mapped = make_pipe();
  Pipe result = make_pipe();
  std::fflush(nullptr);
  pid_t pid = check(::fork(), "user namespace: fork");
  if (pid == 0) {
    return {0, std::move(ready.write_end), std::move(mapped.read_end), std::move(result.write_end)};
  }
  return {pid, std::move(ready.read_end), std::move(mapped.write_end), std::move(result.read_end)};
}

void enter_mapped_user_namespace(UserNamespaceFork& self) {
  check(::unshare(CLONE_NEWUSER), "user namespace: unshare CLONE_NEWUSER");
  write_all(self.ready.get(), "u", "user namespace: ready pipe");
  self.ready.reset();
  char byte = 0;
  if (::read(self.mapped.get(), &byte, 1) != 1) {
    throw Error("user namespace: the parent wrote no id maps");
  }
  self.mapped.reset();
}

bool map_user_namespace(UserNamespaceFork& child, const UserNamespaceMaps& maps) {
  char byte = 0;
  if (::read(child.ready.get(), &byte, 1) != 1) {
    return false;
  }
  write_id_maps(child.pid, maps);
  write_all(child.mapped.get(), "m", "user namespace: maps pipe");
  child.mapped.reset();
  return true;
}

std::string run_in_user_namespace(const UserNamespaceMaps& maps, const std::function<std::string()>& fn) {
  UserNamespaceFork fork = fork_for_user_namespace();
  if (fork.pid == 0) {
    child_main(std::move(fork), fn);
  }
  Child child(fork.pid);
  // When it failed before unsharing, its error is in the result pipe.
  map_user_namespace(fork, maps);
  return finish(child, std::move(fork.result));
}

}  // namespace skiff::image
