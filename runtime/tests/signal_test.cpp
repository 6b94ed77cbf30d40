#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "skiff/base/error.h"
#include "skiff/runtime/container.h"

namespace skiff::runtime {
namespace {

TEST(ParseSignal, NumbersAndNames) {
  EXPECT_EQ(parse_signal("9"), SIGKILL);
  EXPECT_EQ(parse_signal("15"), SIGTERM);
  EXPECT_EQ(parse_signal("1"), SIGHUP);
  EXPECT_EQ(parse_signal("64"), 64);
  EXPECT_EQ(parse_signal("KILL"), SIGKILL);
  EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
  EXPECT_EQ(parse_signal("kill"), SIGKILL);
  EXPECT_EQ(parse_signal("sigkill"), SIGKILL);
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal("SIGUSR1"), SIGUSR1);
  EXPECT_EQ(parse_signal("hup"), SIGHUP);
  EXPECT_EQ(parse_signal("WINCH"), SIGWINCH);
  EXPECT_EQ(parse_signal("SIGCHLD"), SIGCHLD);
}

TEST(ParseSignal, RealTime) {
  EXPECT_EQ(parse_signal("SIGRTMIN+1"), SIGRTMIN + 1);
  EXPECT_EQ(parse_signal("RTMIN+0"), SIGRTMIN);
  EXPECT_EQ(parse_signal("rtmin+3"), SIGRTMIN + 3);
  EXPECT_EQ(parse_signal("SIGRTMAX-1"), SIGRTMAX - 1);
  EXPECT_EQ(parse_signal("SIGRTMAX-0"), SIGRTMAX);
  EXPECT_EQ(parse_signal("SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN)), SIGRTMAX);
}

TEST(ParseSignal, RejectsWithTheValue) {
  for (const std::string bad :
       {"", "SIGFOO", "FOO", "0", "65", "100", "-9", "9x", "SIG", "SIGRTMIN+", "SIGRTMIN+x", "SIGRTMIN+1x",
        "SIGRTMIN+-1", "SIGRTMIN+31", "SIGRTMAX-31", "SIGRTMAX+1", " 9", "KILL "}) {
    try {
      int sig = parse_signal(bad);
      ADD_FAILURE() << "\"" << bad << "\" parsed as " << sig;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("\"" + bad + "\""), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace skiff::runtime
