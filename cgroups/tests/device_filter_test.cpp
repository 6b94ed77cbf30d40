// The cgroup v2 device filter: the program it generates (checked instruction by instruction and
// run in a small interpreter), and real enforcement by the kernel on a cgroup2 directory made
// below this process's own cgroup and removed whatever happens. Enforcement tests need root.
#include "device_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <sstream>

#include "cgroup_fs.h"
#include "managers.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/cgroups/own_cgroup.h"

namespace skiff::cgroups {
namespace {

DeviceRule rule(bool allow, std::string type, std::optional<int64_t> major, std::optional<int64_t> minor,
                std::string access) {
  return DeviceRule{
      .allow = allow, .type = std::move(type), .major = major, .minor = minor, .access = std::move(access)};
}

// The spec's usual start: deny everything, then allow.
DeviceRule deny_all() {
  return rule(false, "a", std::nullopt, std::nullopt, "rwm");
}

std::string dump(const std::vector<bpf_insn>& program) {
  std::ostringstream out;
  for (const bpf_insn& i : program) {
    out << "code=0x" << std::hex << int{i.code} << std::dec << " dst=" << int{i.dst_reg} << " src=" << int{i.src_reg}
        << " off=" << i.off << " imm=" << i.imm << "\n";
  }
  return out.str();
}

// Runs a program on one request the way the kernel would, for the instructions the generator
// uses; 1 allows, 0 denies, -1 for a program the interpreter (and so probably the verifier) rejects.
int run(const std::vector<bpf_insn>& program, char type, std::string_view access, uint32_t major, uint32_t minor) {
  uint32_t acc = 0;
  for (char c : access) {
    acc |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  }
  bpf_cgroup_dev_ctx ctx{.access_type = (acc << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
                         .major = major,
                         .minor = minor};
  uint64_t reg[MAX_BPF_REG] = {};
  bool r1_is_ctx = true;
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const bpf_insn& i = program[pc];
    auto src = [&] { return BPF_SRC(i.code) == BPF_X ? static_cast<uint32_t>(reg[i.src_reg]) : uint32_t(i.imm); };
    switch (BPF_CLASS(i.code)) {
      case BPF_LDX:
        if (i.code != (BPF_LDX | BPF_MEM | BPF_W) || i.src_reg != BPF_REG_1 || !r1_is_ctx || i.off < 0 ||
            static_cast<size_t>(i.off) + 4 > sizeof(ctx)) {
          return -1;
        }
        reg[i.dst_reg] = *reinterpret_cast<const uint32_t*>(reinterpret_cast<const char*>(&ctx) + i.off);
        break;
      case BPF_ALU: {
        auto dst = static_cast<uint32_t>(reg[i.dst_reg]);
        switch (BPF_OP(i.code)) {
          case BPF_MOV:
            dst = src();
            break;
          case BPF_AND:
            dst &= src();
            break;
          case BPF_RSH:
            dst >>= src();
            break;
          default:
            return -1;
        }
        reg[i.dst_reg] = dst;
        r1_is_ctx = r1_is_ctx && i.dst_reg != BPF_REG_1;
        break;
      }
      case BPF_JMP32: {
        auto dst = static_cast<uint32_t>(reg[i.dst_reg]);
        bool taken = BPF_OP(i.code) == BPF_JNE ? dst != src() : BPF_OP(i.code) == BPF_JEQ ? dst == src() : false;
        if (BPF_OP(i.code) != BPF_JNE && BPF_OP(i.code) != BPF_JEQ) {
          return -1;
        }
        if (taken) {
          pc += i.off;
        }
        break;
      }
      case BPF_JMP:
        return i.code == (BPF_JMP | BPF_EXIT) ? static_cast<int>(reg[BPF_REG_0]) : -1;
      default:
        return -1;
    }
  }
  return -1;  // fell off the end
}

TEST(DeviceFilterProgram, Instructions) {
  using namespace bpf;
  std::vector<bpf_insn> want = {
      load_word(BPF_REG_2, BPF_REG_1, 0),
      alu32_imm(BPF_AND, BPF_REG_2, 0xffff),
      load_word(BPF_REG_3, BPF_REG_1, 0),
      alu32_imm(BPF_RSH, BPF_REG_3, 16),
      load_word(BPF_REG_4, BPF_REG_1, 4),
      load_word(BPF_REG_5, BPF_REG_1, 8),
      // allow c 1:3 rw, the last rule, comes first
      jump32_imm(BPF_JNE, BPF_REG_2, BPF_DEVCG_DEV_CHAR, 7),
      alu32_reg(BPF_MOV, BPF_REG_1, BPF_REG_3),
      alu32_imm(BPF_AND, BPF_REG_1, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE),
      jump32_reg(BPF_JNE, BPF_REG_1, BPF_REG_3, 4),
      jump32_imm(BPF_JNE, BPF_REG_4, 1, 3),
      jump32_imm(BPF_JNE, BPF_REG_5, 3, 2),
      alu32_imm(BPF_MOV, BPF_REG_0, 1),
      exit_insn(),
      // deny b *:* w: any of the request forbidden
      jump32_imm(BPF_JNE, BPF_REG_2, BPF_DEVCG_DEV_BLOCK, 5),
      alu32_reg(BPF_MOV, BPF_REG_1, BPF_REG_3),
      alu32_imm(BPF_AND, BPF_REG_1, BPF_DEVCG_ACC_WRITE),
      jump32_imm(BPF_JEQ, BPF_REG_1, 0, 2),
      alu32_imm(BPF_MOV, BPF_REG_0, 0),
      exit_insn(),
      // deny a: matches everything, so no default block follows
      alu32_imm(BPF_MOV, BPF_REG_0, 0),
      exit_insn(),
  };
  auto got = device_filter_program(
      {deny_all(), rule(false, "b", std::nullopt, std::nullopt, "w"), rule(true, "c", 1, 3, "rw")});
  EXPECT_EQ(dump(got), dump(want));
}

TEST(DeviceFilterProgram, NoRulesDenyEverything) {
  auto program = device_filter_program({});
  EXPECT_EQ(program.size(), 8U);
  EXPECT_EQ(run(program, 'c', "r", 1, 3), 0);
  EXPECT_EQ(run(program, 'b', "m", 8, 0), 0);
}

TEST(DeviceFilterProgram, AllowedAccessMustCoverTheRequest) {
  auto program = device_filter_program({deny_all(), rule(true, "c", 1, 3, "rw")});
  EXPECT_EQ(run(program, 'c', "r", 1, 3), 1);
  EXPECT_EQ(run(program, 'c', "w", 1, 3), 1);
  EXPECT_EQ(run(program, 'c', "rw", 1, 3), 1);
  EXPECT_EQ(run(program, 'c', "m", 1, 3), 0);
  EXPECT_EQ(run(program, 'c', "rm", 1, 3), 0);
  EXPECT_EQ(run(program, 'c', "r", 1, 5), 0);
  EXPECT_EQ(run(program, 'c', "r", 2, 3), 0);
  EXPECT_EQ(run(program, 'b', "r", 1, 3), 0);
}

TEST(DeviceFilterProgram, Wildcards) {
  auto program =
      device_filter_program({deny_all(), rule(true, "c", std::nullopt, std::nullopt, "m"),
                             rule(true, "b", 8, std::nullopt, "r"), rule(true, "c", std::nullopt, 7, "rwm")});
  EXPECT_EQ(run(program, 'c', "m", 1, 3), 1);
  EXPECT_EQ(run(program, 'c', "m", 4095, 1048575), 1);
  EXPECT_EQ(run(program, 'c', "r", 1, 3), 0);
  EXPECT_EQ(run(program, 'b', "m", 1, 3), 0);
  EXPECT_EQ(run(program, 'b', "r", 8, 16), 1);
  EXPECT_EQ(run(program, 'b', "w", 8, 16), 0);
  EXPECT_EQ(run(program, 'b', "r", 9, 16), 0);
  EXPECT_EQ(run(program, 'c', "rw", 99, 7), 1);
  EXPECT_EQ(run(program, 'b', "rw", 99, 7), 0);
}

TEST(DeviceFilterProgram, LastMatchingRuleWins) {
  auto later_deny = device_filter_program({deny_all(), rule(true, "c", 1, 3, "rwm"), rule(false, "c", 1, 3, "w")});
  EXPECT_EQ(run(later_deny, 'c', "r", 1, 3), 1);
  EXPECT_EQ(run(later_deny, 'c', "m", 1, 3), 1);
  EXPECT_EQ(run(later_deny, 'c', "w", 1, 3), 0);
  EXPECT_EQ(run(later_deny, 'c', "rw", 1, 3), 0) << "denying part of a request denies it";

  auto later_allow = device_filter_program({deny_all(), rule(false, "c", 1, 5, "rwm"), rule(true, "c", 1, 5, "r")});
  EXPECT_EQ(run(later_allow, 'c', "r", 1, 5), 1);
  EXPECT_EQ(run(later_allow, 'c', "w", 1, 5), 0);

  // Type "a" resets everything before it and, as in the v1 kernel, ignores numbers and access.
  auto allow_all = device_filter_program({rule(true, "c", 1, 3, "r"), rule(true, "a", 1, 3, "r")});
  EXPECT_EQ(run(allow_all, 'b', "rwm", 8, 0), 1);
  auto blocklist = device_filter_program(
      {deny_all(), rule(true, "a", std::nullopt, std::nullopt, "rwm"), rule(false, "b", 8, std::nullopt, "rwm")});
  EXPECT_EQ(run(blocklist, 'b', "r", 8, 1), 0);
  EXPECT_EQ(run(blocklist, 'b', "r", 7, 1), 1);
  EXPECT_EQ(run(blocklist, 'c', "rwm", 1, 1), 1);
}

TEST(DeviceFilterProgram, RejectsMalformedRules) {
  EXPECT_THROW(device_filter_program({rule(true, "x", 1, 3, "r")}), Error);
  EXPECT_THROW(device_filter_program({rule(true, "c", -5, 3, "r")}), Error);
  EXPECT_THROW(device_filter_program({rule(true, "c", 1, int64_t{1} << 32, "r")}), Error);
  try {
    device_filter_program({rule(true, "c", 1, 3, "rx")});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "device rule \"allow c 1:3 rx\": access must be a combination of r, w and m");
  }
}

// ---- enforcement by the kernel ----

std::string unique_name(const std::string& what) {
  static int counter = 0;
  return "skiff-test-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// A forked child, killed and reaped on scope exit unless reaped before.
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
  // The exit status, or 128 + the signal.
  int reap() {
    int status = 0;
    pid_t pid = std::exchange(pid_, 0);
    if (::waitpid(pid, &status, 0) != pid) {
      return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_;
};

// One thing the child tries; returns 0 or the errno.
struct Probe {
  std::string name;
  std::function<int()> run;
};

Probe open_probe(const std::string& name, const std::string& path, int flags) {
  return {name, [=] {
            int fd = ::open(path.c_str(), flags | O_CLOEXEC);
            if (fd < 0) {
              return errno;
            }
            ::close(fd);
            return 0;
          }};
}

Probe mknod_probe(const std::string& name, const std::string& path, mode_t type, unsigned major, unsigned minor) {
  return {name, [=] {
            if (::mknod(path.c_str(), type | 0600, ::makedev(major, minor)) < 0) {
              return errno;
            }
            ::unlink(path.c_str());
            return 0;
          }};
}

// Forks a child, has move_in put it into the cgroup, and returns what each probe gave in the
// child: "name=ok" or "name=EPERM", separated by spaces.
std::string probe_in_cgroup(const std::function<void(pid_t)>& move_in, const std::vector<Probe>& probes) {
  int go[2];
  int result[2];
  if (::pipe2(go, O_CLOEXEC) < 0 || ::pipe2(result, O_CLOEXEC) < 0) {
    throw_errno("pipe");
  }
  UniqueFd go_read(go[0]), go_write(go[1]), result_read(result[0]), result_write(result[1]);
  pid_t pid = ::fork();
  if (pid < 0) {
    throw_errno("fork");
  }
  if (pid == 0) {
    char c = 0;
    if (::read(go_read.get(), &c, 1) != 1) {
      ::_exit(1);
    }
    std::string out;
    for (const Probe& p : probes) {
      int err = p.run();
      out += (out.empty() ? "" : " ") + p.name + "=" + (err == 0 ? "ok" : errno_name(err));
    }
    bool written = ::write(result_write.get(), out.data(), out.size()) == static_cast<ssize_t>(out.size());
    ::_exit(written ? 0 : 1);
  }
  Child child(pid);
  go_read.reset();
  result_write.reset();
  move_in(pid);
  if (::write(go_write.get(), "x", 1) != 1) {
    throw_errno("start child");
  }
  std::string out = read_all(result_read.get(), "child's result");
  if (int status = child.reap(); status != 0) {
    throw Error("probe child ended with status " + std::to_string(status));
  }
  return out;
}

class DeviceFilterKernelTest : public testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "attaching BPF programs needs root";
    }
    auto mounts = cgroup_mounts();
    auto own = own_cgroups();
    if (!mounts.contains("unified") || !own.contains("unified")) {
      GTEST_SKIP() << "no cgroup2 hierarchy";
    }
    own_ = own_dir(mounts.at("unified"), own.at("unified"));
    dir_ = own_ + "/" + unique_name("devices");
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0) << dir_ << ": " << errno_name(errno);
    made_.push_back(dir_);
    char tmp[] = "/tmp/skiff-devices-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmp), nullptr) << errno_name(errno);
    tmp_ = tmp;
  }

  // Children are reaped inside probe_in_cgroup, so the cgroups are empty here.
  void TearDown() override {
    for (auto dir = made_.rbegin(); dir != made_.rend(); ++dir) {
      try {
        cgfs::remove(*dir);
      } catch (const Error& e) {
        ADD_FAILURE() << "cleanup: " << e.what();
      }
      EXPECT_FALSE(path_exists(*dir)) << *dir;
    }
    if (!tmp_.empty()) {
      remove_all(tmp_);
    }
  }

  std::string probe(const std::vector<Probe>& probes) {
    return probe_in_cgroup([&](pid_t pid) { cgfs::write(dir_, "cgroup.procs", std::to_string(pid)); }, probes);
  }

  std::string own_;
  std::string dir_;
  std::string tmp_;
  std::vector<std::string> made_;
};

TEST_F(DeviceFilterKernelTest, OnlyAllowedDevicesOpen) {
  apply_device_rules(dir_, {deny_all(), rule(true, "c", 1, 3, "rw")});
  EXPECT_EQ(attached_device_filters(dir_).size(), 1U);
  EXPECT_EQ(probe({open_probe("null", "/dev/null", O_RDWR), open_probe("zero", "/dev/zero", O_RDONLY),
                   mknod_probe("mknod", tmp_ + "/null", S_IFCHR, 1, 3)}),
            "null=ok zero=EPERM mknod=EPERM");
  // This process is outside the cgroup and unaffected.
  EXPECT_EQ(open_probe("", "/dev/zero", O_RDONLY).run(), 0);
}

TEST_F(DeviceFilterKernelTest, WildcardAllowsMknod) {
  apply_device_rules(dir_, {deny_all(), rule(true, "c", 1, 3, "rw"), rule(true, "c", std::nullopt, std::nullopt, "m")});
  EXPECT_EQ(
      probe({mknod_probe("null", tmp_ + "/null", S_IFCHR, 1, 3), mknod_probe("kmsg", tmp_ + "/kmsg", S_IFCHR, 1, 11),
             mknod_probe("loop", tmp_ + "/loop", S_IFBLK, 7, 0), open_probe("zero", "/dev/zero", O_RDONLY)}),
      "null=ok kmsg=ok loop=EPERM zero=EPERM");
}

TEST_F(DeviceFilterKernelTest, LaterRuleOverridesEarlierOne) {
  apply_device_rules(dir_, {deny_all(), rule(true, "c", 1, 3, "rwm"), rule(false, "c", 1, 3, "w")});
  EXPECT_EQ(probe({open_probe("read", "/dev/null", O_RDONLY), open_probe("write", "/dev/null", O_WRONLY),
                   open_probe("rdwr", "/dev/null", O_RDWR), mknod_probe("mknod", tmp_ + "/null", S_IFCHR, 1, 3)}),
            "read=ok write=EPERM rdwr=EPERM mknod=ok");
  apply_device_rules(dir_, {deny_all(), rule(false, "c", 1, 5, "rwm"), rule(true, "c", 1, 5, "r")});
  EXPECT_EQ(probe({open_probe("read", "/dev/zero", O_RDONLY), open_probe("write", "/dev/zero", O_WRONLY)}),
            "read=ok write=EPERM");
}

TEST_F(DeviceFilterKernelTest, ReplacingLeavesOneFilter) {
  apply_device_rules(dir_, {deny_all(), rule(true, "c", 1, 3, "rw")});
  auto first = attached_device_filters(dir_);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(probe({open_probe("null", "/dev/null", O_RDWR), open_probe("zero", "/dev/zero", O_RDONLY)}),
            "null=ok zero=EPERM");

  apply_device_rules(dir_, {deny_all(), rule(true, "c", 1, 5, "r")});
  auto second = attached_device_filters(dir_);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_NE(second[0], first[0]);
  EXPECT_EQ(probe({open_probe("null", "/dev/null", O_RDWR), open_probe("zero", "/dev/zero", O_RDONLY)}),
            "null=EPERM zero=ok");
}

TEST_F(DeviceFilterKernelTest, ErrorsNameTheDirectory) {
  try {
    apply_device_rules(tmp_, {deny_all()});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.code(), 0);
    EXPECT_NE(std::string(e.what()).find(" of " + tmp_ + ": "), std::string::npos) << e.what();
  }
  try {
    apply_device_rules(dir_ + "/missing", {deny_all()});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "open cgroup " + dir_ + "/missing: ENOENT (No such file or directory)");
  }
}

TEST_F(DeviceFilterKernelTest, RejectionCarriesTheVerifierLog) {
  // Reads r0 before anything set it.
  try {
    load_device_filter({bpf::exit_insn()}, dir_);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.code(), EACCES) << what;
    EXPECT_TRUE(what.starts_with("load device filter for " + dir_ + " (verifier log: ")) << what;
    EXPECT_NE(what.find("R0 !read_ok"), std::string::npos) << what;
  }
}

Resources parse(std::string_view text) {
  return parse_resources(json::parse(text, "test"), "linux.resources");
}

// Through the v2 driver, as create and update use it: the spec's rules, then new ones.
TEST_F(DeviceFilterKernelTest, V2ManagerAppliesAndUpdatesRules) {
  V2Manager manager(dir_ + "/c", dir_, false, true);
  manager.create();
  made_.push_back(dir_ + "/c");
  manager.apply(parse(R"({"devices": [{"allow": false, "access": "rwm"},
                                      {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
                                      {"allow": true, "type": "c", "major": -1, "minor": -1, "access": "m"}]})"));
  auto add = [&](pid_t pid) { manager.add_process(pid); };
  EXPECT_EQ(probe_in_cgroup(add, {open_probe("null", "/dev/null", O_RDWR), open_probe("zero", "/dev/zero", O_RDONLY),
                                  mknod_probe("mknod", tmp_ + "/zero", S_IFCHR, 1, 5)}),
            "null=ok zero=EPERM mknod=ok");

  manager.apply(parse(R"({"devices": [{"allow": false, "access": "rwm"},
                                      {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "r"}]})"));
  EXPECT_EQ(attached_device_filters(manager.directory("unified")).size(), 1U);
  EXPECT_EQ(probe_in_cgroup(add, {open_probe("null", "/dev/null", O_RDWR), open_probe("zero", "/dev/zero", O_RDONLY),
                                  mknod_probe("mknod", tmp_ + "/zero", S_IFCHR, 1, 5)}),
            "null=EPERM zero=ok mknod=EPERM");

  // Resources without devices leave the filter alone.
  manager.apply(parse("{}"));
  EXPECT_EQ(attached_device_filters(manager.directory("unified")).size(), 1U);
  manager.destroy();
  EXPECT_FALSE(path_exists(dir_ + "/c"));
}

// Without CAP_BPF/CAP_SYS_ADMIN the load fails with EPERM: an error for a root container, skipped
// for a rootless one. Runs in a child that drops every capability.
TEST_F(DeviceFilterKernelTest, RootlessWithoutBpfRightsGoesOn) {
  V2Manager rootful(dir_, own_, false, true);
  V2Manager rootless(dir_, own_, true, true);
  auto rules = parse(R"({"devices": [{"allow": false, "access": "rwm"}]})");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capset, &header, data) < 0) {
      ::_exit(10);
    }
    try {
      rootful.apply(rules);
      ::_exit(11);
    } catch (const Error& e) {
      if (e.code() != EPERM) {
        ::_exit(12);
      }
    }
    try {
      rootless.apply(rules);
    } catch (const Error&) {
      ::_exit(13);
    }
    ::_exit(0);
  }
  Child child(pid);
  EXPECT_EQ(child.reap(), 0) << "10: capset, 11: no error as root, 12: not EPERM, 13: rootless threw";
  EXPECT_TRUE(attached_device_filters(dir_).empty());
}

}  // namespace
}  // namespace skiff::cgroups
