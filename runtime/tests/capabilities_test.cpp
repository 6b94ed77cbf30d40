#include "skiff/runtime/capabilities.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <functional>
#include <sstream>

#include "gtest/gtest.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"

namespace skiff::runtime {
namespace {

uint64_t bit(int cap) {
  return uint64_t{1} << cap;
}

std::string parse_error(std::string_view text) {
  try {
    parse_capabilities(json::parse(text, "test"), "process.capabilities");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Runs body in a forked child and returns what it wrote: its /proc/self/status on success, or
// "error: <what>" when body threw.
std::string in_child(const std::function<void()>& body) {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid == 0) {
    read_end.reset();
    std::string out;
    try {
      body();
      out = read_file("/proc/self/status");
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what();
    }
    write_all(write_end.get(), out, "pipe");
    ::_exit(0);
  }
  write_end.reset();
  std::string out = read_all(read_end.get(), "pipe");
  EXPECT_EQ(wait_exit_code(pid), 0);
  return out;
}

// The mask of a "CapXxx:\t000001ffffffffff" line of /proc/self/status.
uint64_t status_mask(const std::string& status, const std::string& field) {
  std::istringstream lines(status);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(field + ":")) {
      return std::stoull(line.substr(field.size() + 1), nullptr, 16);
    }
  }
  ADD_FAILURE() << "no " << field << " in: " << status;
  return 0;
}

TEST(Capabilities, Names) {
  EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("sys_admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("cap_Sys_Admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("CAP_CHOWN"), CAP_CHOWN);
  EXPECT_EQ(capability_from_name("net_bind_service"), CAP_NET_BIND_SERVICE);
  EXPECT_EQ(capability_from_name("CAP_CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
  EXPECT_EQ(capability_from_name("CAP_FOO"), -1);
  EXPECT_EQ(capability_from_name("21"), -1);
  EXPECT_EQ(capability_from_name("CAP_CHOWN,"), -1);
  EXPECT_EQ(capability_from_name("CAP_"), -1);
  EXPECT_EQ(capability_from_name(""), -1);

  EXPECT_EQ(capability_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
  EXPECT_EQ(capability_name(0), "CAP_CHOWN");
  EXPECT_EQ(capability_name(99), "capability 99");
}

TEST(Capabilities, KernelKnowledge) {
  EXPECT_EQ(last_capability(), std::stoi(read_file("/proc/sys/kernel/cap_last_cap")));
  std::vector<std::string> known = known_capabilities();
  ASSERT_FALSE(known.empty());
  EXPECT_LE(known.size(), static_cast<size_t>(last_capability() + 1));
  EXPECT_EQ(known[0], "CAP_CHOWN");
  EXPECT_EQ(known[CAP_SYS_ADMIN], "CAP_SYS_ADMIN");
  for (size_t i = 0; i < known.size(); ++i) {
    EXPECT_EQ(capability_from_name(known[i]), static_cast<int>(i));
  }
}

TEST(Capabilities, ParsesTheFiveSets) {
  boost::json::value config = json::parse(R"({
    "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "effective": ["CAP_KILL"],
    "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "inheritable": ["CAP_NET_BIND_SERVICE"],
    "ambient": ["CAP_NET_BIND_SERVICE"]
  })",
                                          "test");
  CapabilitySets sets = parse_capabilities(config, "process.capabilities");
  EXPECT_EQ(sets.bounding, bit(CAP_CHOWN) | bit(CAP_KILL) | bit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(sets.effective, bit(CAP_KILL));
  EXPECT_EQ(sets.permitted, bit(CAP_KILL) | bit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(sets.inheritable, bit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(sets.ambient, bit(CAP_NET_BIND_SERVICE));

  CapabilitySets empty = parse_capabilities(json::parse("{}", "test"), "process.capabilities");
  EXPECT_EQ(empty.bounding | empty.effective | empty.permitted | empty.inheritable | empty.ambient, 0u);
}

TEST(Capabilities, ParseErrorsNameTheField) {
  EXPECT_EQ(parse_error(R"({"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_FOO"]})"),
            R"(process.capabilities.bounding[3]: unknown capability (got "CAP_FOO"))");
  EXPECT_EQ(parse_error(R"({"ambient": "CAP_CHOWN"})"),
            R"(process.capabilities.ambient: must be an array (got "CAP_CHOWN"))");
  EXPECT_EQ(parse_error(R"({"effective": [21]})"), "process.capabilities.effective[0]: must be a string (got 21)");
  EXPECT_EQ(parse_error(R"(["CAP_CHOWN"])"), R"(process.capabilities: must be an object (got ["CAP_CHOWN"]))");
}

TEST(Capabilities, ParsesAList) {
  EXPECT_EQ(parse_capability_list({"CAP_CHOWN", "sys_admin"}, "--cap"), bit(CAP_CHOWN) | bit(CAP_SYS_ADMIN));
  try {
    parse_capability_list({"CAP_CHOWN", "CAP_NOPE"}, "--cap");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), R"(--cap[1]: unknown capability (got "CAP_NOPE"))");
  }
}

class CapabilitiesInChild : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root";
    }
  }
};

TEST_F(CapabilitiesInChild, DropBoundingSet) {
  std::string status = in_child([] { drop_bounding_set(CapabilitySets{.bounding = bit(CAP_CHOWN)}); });
  EXPECT_EQ(status_mask(status, "CapBnd"), bit(CAP_CHOWN)) << status;
}

TEST_F(CapabilitiesInChild, ApplySets) {
  CapabilitySets sets{
      .bounding = 0,
      .effective = bit(CAP_CHOWN) | bit(CAP_KILL),
      .inheritable = bit(CAP_NET_BIND_SERVICE),
      .permitted = bit(CAP_CHOWN) | bit(CAP_KILL) | bit(CAP_NET_BIND_SERVICE),
      .ambient = bit(CAP_NET_BIND_SERVICE),
  };
  std::string status = in_child([&] { apply_capabilities(sets); });
  EXPECT_EQ(status_mask(status, "CapEff"), sets.effective) << status;
  EXPECT_EQ(status_mask(status, "CapPrm"), sets.permitted) << status;
  EXPECT_EQ(status_mask(status, "CapInh"), sets.inheritable) << status;
  EXPECT_EQ(status_mask(status, "CapAmb"), sets.ambient) << status;
}

// The order the container's process uses: bounding set, keep caps across the uid change, sets.
TEST_F(CapabilitiesInChild, AsANonRootUser) {
  CapabilitySets sets{
      .bounding = bit(CAP_CHOWN) | bit(CAP_NET_BIND_SERVICE),
      .effective = bit(CAP_NET_BIND_SERVICE),
      .inheritable = bit(CAP_NET_BIND_SERVICE),
      .permitted = bit(CAP_NET_BIND_SERVICE),
      .ambient = bit(CAP_NET_BIND_SERVICE),
  };
  std::string status = in_child([&] {
    drop_bounding_set(sets);
    check(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "keepcaps");
    check(::setresuid(1000, 1000, 1000), "setresuid");
    apply_capabilities(sets);
  });
  EXPECT_EQ(status_mask(status, "CapBnd"), sets.bounding) << status;
  EXPECT_EQ(status_mask(status, "CapEff"), sets.effective) << status;
  EXPECT_EQ(status_mask(status, "CapPrm"), sets.permitted) << status;
  EXPECT_EQ(status_mask(status, "CapAmb"), sets.ambient) << status;
}

TEST_F(CapabilitiesInChild, AmbientOutsideInheritableIsSkipped) {
  // runc's default spec lists ambient capabilities without inheritable ones; as runc and crun,
  // the kernel's refusal is a warning and the other sets still apply.
  CapabilitySets sets{.effective = bit(CAP_KILL), .permitted = bit(CAP_KILL), .ambient = bit(CAP_KILL)};
  std::string status = in_child([&] { apply_capabilities(sets); });
  EXPECT_EQ(status_mask(status, "CapAmb"), 0U) << status;
  EXPECT_EQ(status_mask(status, "CapEff"), bit(CAP_KILL)) << status;
}

TEST_F(CapabilitiesInChild, CapsetBeyondPermittedIsAnError) {
  // Once CAP_KILL has left the permitted set, capset cannot bring it back.
  std::string out = in_child([] {
    apply_capabilities(CapabilitySets{.permitted = bit(CAP_CHOWN)});
    apply_capabilities(CapabilitySets{.permitted = bit(CAP_KILL)});
  });
  EXPECT_EQ(out, "error: set capabilities (capset): EPERM (Operation not permitted)");
}

}  // namespace
}  // namespace skiff::runtime
