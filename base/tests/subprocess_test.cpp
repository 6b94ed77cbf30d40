#include "skiff/base/subprocess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <set>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff {
namespace {

using std::chrono::steady_clock;

SubprocessResult sh(const std::string& script, std::optional<std::string> input = std::nullopt) {
  SubprocessOptions options;
  options.args = {"/bin/sh", "-c", script};
  options.input = std::move(input);
  options.timeout = std::chrono::seconds(30);
  return run_subprocess(options);
}

TEST(Subprocess, ExitCodes) {
  auto ok = sh("exit 0");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.signal, 0);
  EXPECT_FALSE(ok.timed_out);
  EXPECT_EQ(ok.describe(), "exit status 0");
  auto three = sh("exit 3");
  EXPECT_FALSE(three.ok());
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.describe(), "exit status 3");
  EXPECT_EQ(sh("exit 255").exit_code, 255);
}

TEST(Subprocess, KilledBySignal) {
  auto r = sh("kill -9 $$");
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "killed by signal 9");
}

TEST(Subprocess, CapturesStdoutAndStderrApart) {
  auto r = sh("echo out; echo err >&2; printf more");
  EXPECT_EQ(r.out, "out\nmore");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Subprocess, LargeOutputOnBothPipes) {
  // More than a pipe buffer on each stream, interleaved: reading one must not starve the other.
  auto r =
      sh("i=0; while [ $i -lt 2000 ]; do echo 0123456789012345678901234567890123456789; "
         "echo abcdefghijabcdefghijabcdefghijabcdefghij >&2; i=$((i+1)); done");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 2000u * 41);
  EXPECT_EQ(r.err.size(), 2000u * 41);
}

TEST(Subprocess, StdinIsWrittenAndClosed) {
  auto r = sh("cat; echo done", std::string("hello\nworld\n"));
  EXPECT_EQ(r.out, "hello\nworld\ndone\n");
  std::string big(1 << 20, 'x');
  auto copy = sh("cat", big);
  EXPECT_EQ(copy.out.size(), big.size());
  EXPECT_EQ(copy.out, big);
}

TEST(Subprocess, EmptyInputIsEof) {
  auto r = sh("cat; echo end", std::string());
  EXPECT_EQ(r.out, "end\n");
}

TEST(Subprocess, WithoutInputStdinIsDevNull) {
  auto r = sh("cat; readlink /proc/self/fd/0");
  EXPECT_EQ(r.out, "/dev/null\n");
}

TEST(Subprocess, ChildThatIgnoresItsInputDoesNotBlock) {
  std::string big(4 << 20, 'y');
  auto start = steady_clock::now();
  auto r = sh("exit 4", big);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Subprocess, UncapturedStreamsGoToOurs) {
  SubprocessOptions options;
  options.args = {"/bin/sh", "-c", "echo visible; echo e >&2"};
  options.capture_stdout = false;
  options.capture_stderr = false;
  ::testing::internal::CaptureStdout();
  auto r = run_subprocess(options);
  std::string ours = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(ours, "visible\n");
}

TEST(Subprocess, TimeoutKills) {
  SubprocessOptions options;
  options.args = {"/bin/sh", "-c", "echo started; exec sleep 30"};
  options.timeout = std::chrono::milliseconds(300);
  auto start = steady_clock::now();
  auto r = run_subprocess(options);
  auto took = steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "timed out");
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_GE(took, std::chrono::milliseconds(250));
}

TEST(Subprocess, TimeoutWithClosedPipesStillKills) {
  // The child closes its output early, then hangs: the deadline still applies.
  SubprocessOptions options;
  options.args = {"/bin/sh", "-c", "exec >&- 2>&-; exec sleep 30"};
  options.timeout = std::chrono::milliseconds(300);
  auto start = steady_clock::now();
  auto r = run_subprocess(options);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Subprocess, NoTimeoutWhenFastEnough) {
  SubprocessOptions options;
  options.args = {"/bin/sh", "-c", "echo quick"};
  options.timeout = std::chrono::seconds(20);
  auto r = run_subprocess(options);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "quick\n");
}

TEST(Subprocess, GrandchildKeepingThePipesOpenDoesNotBlock) {
  // A daemon (or a container's process) inherits stdout and stderr and outlives its parent.
  auto start = steady_clock::now();
  auto r = sh("sleep 20 & echo parent; echo perr >&2; exit 5");
  auto took = steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "parent\n");
  EXPECT_EQ(r.err, "perr\n");
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(Subprocess, GrandchildKeepingStdinOpenDoesNotBlock) {
  auto start = steady_clock::now();
  auto r = sh("sleep 20 <&0 & exit 0", std::string(1 << 20, 'z'));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Subprocess, EnvironmentAndPathLookup) {
  SubprocessOptions options;
  options.args = {"sh", "-c", "echo $ONLY; echo ${HOME:-unset}"};
  options.env = std::vector<std::string>{"ONLY=this", "PATH=/usr/bin:/bin"};
  auto r = run_subprocess(options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "this\nunset\n");
}

TEST(Subprocess, ExplicitPathAndArgv0) {
  SubprocessOptions options;
  options.path = "/bin/sh";
  options.args = {"my-name", "-c", "echo $0"};
  auto r = run_subprocess(options);
  EXPECT_EQ(r.out, "my-name\n");
}

TEST(Subprocess, WorkingDirectory) {
  SubprocessOptions options;
  options.args = {"/bin/sh", "-c", "pwd"};
  options.cwd = "/";
  EXPECT_EQ(run_subprocess(options).out, "/\n");
  options.cwd = "/nonexistent-skiff-dir";
  auto r = run_subprocess(options);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("chdir /nonexistent-skiff-dir"), std::string::npos) << r.err;
}

TEST(Subprocess, MissingProgramIs127WithAMessage) {
  SubprocessOptions options;
  options.args = {"skiff-no-such-program-here"};
  auto r = run_subprocess(options);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("exec skiff-no-such-program-here"), std::string::npos) << r.err;
}

TEST(Subprocess, NoArgumentsIsAnError) {
  EXPECT_THROW(run_subprocess(SubprocessOptions{}), Error);
}

TEST(Subprocess, NoHelperFdLeaksIntoTheChild) {
  // The child may have stdio and whatever our caller gave us without close-on-exec; anything
  // else is a leftover of setting the child up (the /dev/null for its stdin, a pipe end).
  std::set<std::string> inherited{"0", "1", "2"};
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0) {
      inherited.insert(std::to_string(fd));
    }
  }
  auto r = sh("ls /proc/$$/fd");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& fd : split(r.out, '\n')) {
    if (!fd.empty()) {
      EXPECT_TRUE(inherited.count(fd) == 1) << "fd " << fd << " leaked into the child";
    }
  }
}

TEST(WaitExitCode, ShellConventions) {
  pid_t a = ::fork();
  if (a == 0) {
    ::_exit(9);
  }
  EXPECT_EQ(wait_exit_code(a), 9);
  pid_t b = ::fork();
  if (b == 0) {
    ::raise(SIGTERM);
    ::_exit(0);
  }
  EXPECT_EQ(wait_exit_code(b), 128 + SIGTERM);
  EXPECT_THROW(wait_exit_code(b), Error);  // already reaped: ECHILD
}

}  // namespace
}  // namespace skiff
