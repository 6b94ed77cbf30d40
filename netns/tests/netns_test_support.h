#pragma once

// Helpers of the netns tests: scratch network namespaces standing in for pods, and temporary
// directories, each removed by its destructor whatever the test did.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"

namespace skiff::netns::testing {

// A network namespace of its own, held by a child process that sleeps in it: the way a pod's
// infra process holds the pod's namespace. The child dies with this object, or with the test
// process should that crash.
class ScratchNetns {
 public:
  ScratchNetns() {
    int pipefd[2];
    check(::pipe2(pipefd, O_CLOEXEC), "pipe");
    UniqueFd read_end(pipefd[0]);
    UniqueFd write_end(pipefd[1]);
    pid_ = check(::fork(), "fork");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      char ok = ::unshare(CLONE_NEWNET) == 0 ? 1 : 0;
      (void)!::write(write_end.get(), &ok, 1);
      for (;;) {
        ::pause();
      }
    }
    write_end.reset();
    char ok = 0;
    if (::read(read_end.get(), &ok, 1) != 1 || ok == 0) {
      kill_child();
      throw Error("scratch network namespace: the child could not unshare it");
    }
    path_ = "/proc/" + std::to_string(pid_) + "/ns/net";
    fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_) {
      int err = errno;
      kill_child();
      throw_errno(err, "open " + path_);
    }
  }
  ScratchNetns(const ScratchNetns&) = delete;
  ScratchNetns& operator=(const ScratchNetns&) = delete;
  ~ScratchNetns() { kill_child(); }

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void kill_child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  pid_t pid_ = -1;
  std::string path_;
  UniqueFd fd_;
};

// Moves the calling thread into a fresh network namespace for the object's lifetime, then back.
// Whatever a test makes there (bridges, veths, nftables rules, sysctls) goes with the namespace,
// even when the test fails half way, and the host is safe even when the binary is started without
// `unshare --net`. Threads and children started meanwhile begin in the fresh namespace too.
class PrivateNetns {
 public:
  PrivateNetns() : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    entered_ = original_.valid() && ::unshare(CLONE_NEWNET) == 0;
  }
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;
  ~PrivateNetns() {
    if (entered_ && ::setns(original_.get(), CLONE_NEWNET) != 0) {
      ::abort();  // the tests after this one would run in the wrong namespace
    }
  }

  // False without the privilege to make one: the test should skip.
  [[nodiscard]] bool entered() const { return entered_; }

 private:
  UniqueFd original_;
  bool entered_ = false;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/skiff-netns-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw_errno("mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    try {
      remove_all(path_);
    } catch (const Error&) {  // nothing sensible to do in a destructor; /tmp is cleaned anyway
    }
  }

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Whether this process has a network namespace of its own: not init's (when that can be read)
// and not the parent's (ctest's, or the shell's that ran `unshare --net`).
inline bool in_private_netns() {
  struct stat self {};
  struct stat other {};
  if (::stat("/proc/self/ns/net", &self) < 0) {
    return false;
  }
  if (::stat("/proc/1/ns/net", &other) == 0 && other.st_ino == self.st_ino) {
    return false;
  }
  std::string parent = "/proc/" + std::to_string(::getppid()) + "/ns/net";
  return ::stat(parent.c_str(), &other) == 0 && other.st_ino != self.st_ino;
}

// The message of the skiff::Error that fn throws, or "(no error)".
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace skiff::netns::testing
