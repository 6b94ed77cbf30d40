// skiff-pause -- COMMAND: exit statuses, signal forwarding and zombie reaping of the --init
// process, driven as a real child process ($SKIFF_PAUSE, set by ctest).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "skiff/base/subprocess.h"

namespace {

std::string pause_binary() {
  const char* path = std::getenv("SKIFF_PAUSE");
  return path == nullptr ? "" : path;
}

// Runs skiff-pause with args; returns its exit code (128 + signal when killed) and output.
skiff::SubprocessResult run_pause(std::vector<std::string> args) {
  skiff::SubprocessOptions options;
  options.args = {pause_binary()};
  options.args.insert(options.args.end(), args.begin(), args.end());
  options.timeout = std::chrono::seconds(60);  // a bound for a broken build, not an expectation
  return skiff::run_subprocess(options);
}

class InitModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pause_binary().empty()) {
      GTEST_SKIP() << "SKIFF_PAUSE is not set: run through ctest";
    }
  }
};

TEST_F(InitModeTest, ExitsAsTheCommandDid) {
  EXPECT_EQ(run_pause({"--", "/bin/sh", "-c", "exit 0"}).exit_code, 0);
  EXPECT_EQ(run_pause({"--", "/bin/sh", "-c", "exit 3"}).exit_code, 3);
  auto out = run_pause({"--", "/bin/sh", "-c", "echo hello \"$0\" \"$1\"", "a b", "c"});
  EXPECT_EQ(out.out, "hello a b c\n");
  // Killed by a signal: 128 + the signal, as a shell reports it.
  EXPECT_EQ(run_pause({"--", "/bin/sh", "-c", "kill -KILL $$"}).exit_code, 128 + SIGKILL);
}

TEST_F(InitModeTest, ACommandThatCannotRunIs126AndOneNotFoundIs127) {
  auto missing = run_pause({"--", "/nonexistent/command"});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("exec /nonexistent/command"), std::string::npos) << missing.err;
  auto not_executable = run_pause({"--", "/etc/passwd"});
  EXPECT_EQ(not_executable.exit_code, 126);
  EXPECT_EQ(run_pause({"--"}).exit_code, 125);
}

TEST_F(InitModeTest, ForwardsSignalsToTheCommand) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(ready[1], STDOUT_FILENO);
    std::string binary = pause_binary();
    // The command says it is ready once its trap is set; TERM then makes it exit 7.
    ::execl(binary.c_str(), binary.c_str(), "--", "/bin/sh", "-c",
            "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done", nullptr);
    ::_exit(99);
  }
  ::close(ready[1]);
  char buf[6] = {};
  ASSERT_EQ(::read(ready[0], buf, 6), 6);
  ::close(ready[0]);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST_F(InitModeTest, ReapsOrphansAsPidOne) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "a PID namespace of its own needs root here";
  }
  // PID 1 of a new PID namespace: the background sleeps are orphaned to it when their shell
  // exits; the command then looks for zombies in the namespace's own /proc.
  skiff::SubprocessOptions options;
  options.args = {"unshare",
                  "--pid",
                  "--fork",
                  "--mount-proc",
                  pause_binary(),
                  "--",
                  "/bin/sh",
                  "-c",
                  "/bin/sh -c 'sleep 0.1 & sleep 0.1 &'; sleep 0.5; "
                  "for s in /proc/[0-9]*/stat; do read -r line < $s && echo \"$line\"; done | "
                  "awk '$3 == \"Z\"' | wc -l"};
  options.timeout = std::chrono::seconds(60);
  auto result = skiff::run_subprocess(options);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "0\n") << "zombies left in the namespace";
}

}  // namespace
