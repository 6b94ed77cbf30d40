#pragma once

// A process on a new pty, as a user's terminal: what it prints read as it comes, keys typed,
// the window resized (the kernel tells the process with SIGWINCH).

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"

namespace skiff::cli_testing {

class PtySession {
 public:
  PtySession(const std::vector<std::string>& command, uint16_t rows, uint16_t columns) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = columns;
    int master = -1;
    pid_ = ::forkpty(&master, nullptr, nullptr, &size);
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (const auto& arg : command) {
        argv.push_back(const_cast<char*>(arg.c_str()));
      }
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    master_ = UniqueFd(master);
  }
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;
  ~PtySession() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Reads until the output holds text (bounded); whether it did.
  bool read_until(const std::string& text) {
    for (int i = 0; i < 300 && output_.find(text) == std::string::npos; ++i) {
      pollfd p{master_.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) == 1) {
        char buffer[4096];
        ssize_t n = ::read(master_.get(), buffer, sizeof buffer);
        if (n <= 0) {
          break;
        }
        output_.append(buffer, static_cast<size_t>(n));
      }
    }
    return output_.find(text) != std::string::npos;
  }
  void type(const std::string& keys) { ASSERT_EQ(::write(master_.get(), keys.data(), keys.size()), std::ssize(keys)); }
  // The terminal's new size: the kernel tells skiff with SIGWINCH.
  void resize(uint16_t rows, uint16_t columns) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = columns;
    ASSERT_EQ(::ioctl(master_.get(), TIOCSWINSZ, &size), 0);
  }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  [[nodiscard]] const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  UniqueFd master_;
  std::string output_;
};

}  // namespace skiff::cli_testing
