#include "skiff/runtime/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/passwd.h"
#include "skiff/runtime/capabilities.h"

namespace skiff::runtime {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return {};
}

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool loads_early(const Process& process, const SeccompProgram* seccomp) {
  return seccomp != nullptr && (!process.no_new_privileges || seccomp->needs_listener);
}

}  // namespace

void set_rlimits(const std::vector<Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    rlimit limit{static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
    if (::setrlimit(r.resource, &limit) < 0) {
      throw_errno("set " + r.type + " to soft " + std::to_string(r.soft) + " hard " + std::to_string(r.hard));
    }
  }
}

void set_oom_score_adj(int value) {
  try {
    write_existing_file("/proc/self/oom_score_adj", std::to_string(value));
  } catch (const Error& e) {
    throw Error("process.oomScoreAdj " + std::to_string(value) + ": " + e.what());
  }
}

void set_personality(const Personality& p) {
  unsigned long persona = p.domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
  if (::personality(persona) < 0) {
    throw_errno("linux.personality: set domain " + p.domain);
  }
}

UniqueFd finalize_process(const Process& process, const SeccompProgram* seccomp, bool setgroups_allowed) {
  UniqueFd listener;
  if (loads_early(process, seccomp)) {
    if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
      throw_errno("prctl PR_SET_NO_NEW_PRIVS");
    }
    listener.reset(load_seccomp(*seccomp));
  }
  CapabilitySets caps = process.capabilities.value_or(CapabilitySets{});
  drop_bounding_set(caps);
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
    throw_errno("prctl PR_SET_KEEPCAPS");
  }
  const User& user = process.user;
  if (setgroups_allowed) {
    if (::setgroups(user.additional_gids.size(), user.additional_gids.data()) < 0) {
      throw_errno("setgroups for process.user.additionalGids");
    }
  } else if (!user.additional_gids.empty()) {
    throw Error("process.user.additionalGids: this user namespace denies setgroups (a rootless single mapping)");
  }
  if (::setresgid(user.gid, user.gid, user.gid) < 0) {
    throw_errno("setresgid to process.user.gid " + std::to_string(user.gid));
  }
  if (::setresuid(user.uid, user.uid, user.uid) < 0) {
    throw_errno("setresuid to process.user.uid " + std::to_string(user.uid));
  }
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
    throw_errno("prctl PR_SET_KEEPCAPS");
  }
  apply_capabilities(caps);
  if (::chdir(process.cwd.c_str()) < 0) {
    throw_errno("chdir to process.cwd " + process.cwd);
  }
  // A cwd reached through an fd leaked from the host shows as "(unreachable)": refuse it.
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/') {
    throw Error("process.cwd " + process.cwd + " is not inside the container");
  }
  if (user.umask) {
    ::umask(*user.umask);
  }
  if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    throw_errno("prctl PR_SET_NO_NEW_PRIVS");
  }
  return listener;
}

void load_late_seccomp(const Process& process, const SeccompProgram* seccomp) {
  if (seccomp == nullptr || loads_early(process, seccomp)) {
    return;
  }
  UniqueFd listener(load_seccomp(*seccomp));
}

std::vector<std::string> process_environment(const Process& process) {
  std::vector<std::string> env = process.env;
  if (env_value(env, "HOME").empty()) {
    auto entry = lookup_passwd_uid("/etc/passwd", process.user.uid);
    env.push_back("HOME=" + (entry && !entry->home.empty() ? entry->home : std::string("/")));
  }
  return env;
}

std::string resolve_executable(const Process& process, const std::vector<std::string>& env) {
  const std::string& name = process.args.front();
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(name.c_str(), &st) < 0) {
      throw_errno("exec: \"" + name + "\"");
    }
    if (!S_ISREG(st.st_mode) || ::access(name.c_str(), X_OK) < 0) {
      throw Error("exec: \"" + name + "\": permission denied");
    }
    return name;
  }
  std::string path = env_value(env, "PATH");
  if (path.empty()) {
    path = kDefaultPath;
  }
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t colon = path.find(':', pos);
    if (colon == std::string::npos) {
      colon = path.size();
    }
    std::string dir = path.substr(pos, colon - pos);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (executable(candidate)) {
      return candidate;
    }
    pos = colon + 1;
  }
  throw Error("exec: \"" + name + "\": executable file not found in $PATH");
}

void prepare_inherited_fds(int preserve_fds) {
  for (int fd = 3; fd < 3 + preserve_fds; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
      ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
  }
  if (::syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    throw_errno("close_range: mark the runtime's fds close-on-exec");
  }
}

void exec_process(const std::string& path, const Process& process, const std::vector<std::string>& env) {
  std::vector<char*> argv;
  for (const auto& a : process.args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  ::execve(path.c_str(), argv.data(), envp.data());
  throw_errno("exec " + path);
}

}  // namespace skiff::runtime
