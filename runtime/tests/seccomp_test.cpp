#include "skiff/runtime/seccomp.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "gtest/gtest.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"

namespace skiff::runtime {
namespace {

Seccomp parse(std::string_view text) {
  return parse_seccomp(json::parse(text, "test"), "linux.seccomp");
}

// The message parse_seccomp throws for text, or "" when it accepts it.
std::string parse_error(std::string_view text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Runs body in a forked child and returns its exit code; an exception exits with 255.
int in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 255;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  EXPECT_GT(pid, 0);
  return wait_exit_code(pid);
}

// Loads program in the calling process (a child) with no_new_privs, as the runtime does.
void load(const SeccompProgram& program) {
  check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
  load_seccomp(program);
}

// The errno of a raw getpriority(which, 0), 0 on success. Raw, because glibc's wrapper turns
// the kernel's 20-nice into a nice value that can be -1.
int getpriority_errno(int which) {
  return ::syscall(SYS_getpriority, which, 0) < 0 ? errno : 0;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/skiff-seccomp-test.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      throw_errno("mkdtemp");
    }
    path_ = tmpl;
  }
  ~TempDir() { remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename());
  }
  return names;
}

bool same_program(const SeccompProgram& a, const SeccompProgram& b) {
  return a.flags == b.flags && a.needs_listener == b.needs_listener && a.filter.size() == b.filter.size() &&
         std::memcmp(a.filter.data(), b.filter.data(), a.filter.size() * sizeof(sock_filter)) == 0;
}

constexpr std::string_view kProfile = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "flags": ["SECCOMP_FILTER_FLAG_LOG"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95},
    {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
     "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
    {"names": ["setpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 34,
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
    {"names": ["fchmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
     "args": [{"index": 1, "value": 2048, "valueTwo": 2048, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["no_such_syscall_in_libseccomp", "getpid"], "action": "SCMP_ACT_ALLOW"}
  ]
})";

TEST(SeccompParse, ReadsEveryField) {
  Seccomp s = parse(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64"],
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "listenerPath": "/run/agent.sock",
    "listenerMetadata": "hello",
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_NOTIFY",
       "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"},
                {"index": 5, "value": 18446744073709551615, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["ptrace"], "action": "SCMP_ACT_TRACE", "errnoRet": 1}
    ]
  })");
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.default_errno_ret, 38u);
  EXPECT_EQ(s.architectures, std::vector<std::string>{"SCMP_ARCH_X86_64"});
  EXPECT_EQ(s.flags, (std::vector<std::string>{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}));
  EXPECT_EQ(s.listener_path, "/run/agent.sock");
  EXPECT_EQ(s.listener_metadata, "hello");
  ASSERT_EQ(s.syscalls.size(), 3u);
  EXPECT_EQ(s.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_FALSE(s.syscalls[0].errno_ret.has_value());
  EXPECT_EQ(s.syscalls[1].action, "SCMP_ACT_NOTIFY");
  ASSERT_EQ(s.syscalls[1].args.size(), 2u);
  EXPECT_EQ(s.syscalls[1].args[0].index, 0u);
  EXPECT_EQ(s.syscalls[1].args[0].value, 8u);
  EXPECT_EQ(s.syscalls[1].args[0].op, "SCMP_CMP_EQ");
  EXPECT_EQ(s.syscalls[1].args[1].index, 5u);
  EXPECT_EQ(s.syscalls[1].args[1].value, UINT64_MAX);
  EXPECT_EQ(s.syscalls[2].errno_ret, 1u);
}

TEST(SeccompParse, ErrorsNameTheFieldAndValue) {
  EXPECT_EQ(parse_error(R"([])"), "linux.seccomp: must be an object (got [])");
  EXPECT_EQ(parse_error(R"({})"), "linux.seccomp.defaultAction: is required");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_NOPE"})"),
            R"(linux.seccomp.defaultAction: unknown action (got "SCMP_ACT_NOPE"))");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/a"})"),
            R"(linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action (got "SCMP_ACT_NOTIFY"))");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1})"),
            "linux.seccomp.defaultErrnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (got 1)");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000})"),
            "linux.seccomp.defaultErrnoRet: must be between 0 and 65535 (got 70000)");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_Z80"]})"),
            R"(linux.seccomp.architectures[1]: unknown architecture (got "SCMP_ARCH_Z80"))");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_FAST"]})"),
            R"(linux.seccomp.flags[0]: unknown flag (got "SECCOMP_FILTER_FLAG_FAST"))");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x"})"),
            R"(linux.seccomp.listenerMetadata: requires listenerPath (got "x"))");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": ")" + std::string(108, 'a') + R"("})"),
            "linux.seccomp.listenerPath: is longer than a unix socket path can be (107 bytes) (got \"" +
                std::string(76, 'a') + "...)");
}

TEST(SeccompParse, RuleErrorsNameTheRule) {
  auto rule_error = [](std::string_view rules) {
    return parse_error(
        R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},)" +
        std::string(rules) + "]}");
  };
  EXPECT_EQ(rule_error(R"({"names": ["read"], "action": "SCMP_ACT_FOO"})"),
            R"(linux.seccomp.syscalls[1].action: unknown action (got "SCMP_ACT_FOO"))");
  EXPECT_EQ(rule_error(R"({"action": "SCMP_ACT_ALLOW"})"), "linux.seccomp.syscalls[1].names: is required");
  EXPECT_EQ(rule_error(R"({"names": [], "action": "SCMP_ACT_ALLOW"})"),
            "linux.seccomp.syscalls[1].names: must name at least one syscall (got [])");
  EXPECT_EQ(rule_error(R"({"names": ["read", ""], "action": "SCMP_ACT_ALLOW"})"),
            R"(linux.seccomp.syscalls[1].names[1]: must not be empty (got ""))");
  EXPECT_EQ(rule_error(R"({"names": ["read", 7], "action": "SCMP_ACT_ALLOW"})"),
            "linux.seccomp.syscalls[1].names[1]: must be a string (got 7)");
  EXPECT_EQ(rule_error(R"({"names": ["read"]})"), "linux.seccomp.syscalls[1].action: is required");
  EXPECT_EQ(rule_error(R"({"names": ["read"], "action": "SCMP_ACT_KILL", "errnoRet": 1})"),
            "linux.seccomp.syscalls[1].errnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (got 1)");
  EXPECT_EQ(rule_error(R"({"names": ["read"], "action": "SCMP_ACT_NOTIFY"})"),
            "linux.seccomp.listenerPath: is required when a rule uses SCMP_ACT_NOTIFY "
            "(linux.seccomp.syscalls[1].action)");

  auto args_error = [&](std::string_view args) {
    return rule_error(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [)" + std::string(args) + "]}");
  };
  EXPECT_EQ(args_error(R"({"index": 6, "value": 1, "op": "SCMP_CMP_EQ"})"),
            "linux.seccomp.syscalls[1].args[0].index: must be between 0 and 5 (got 6)");
  EXPECT_EQ(
      args_error(R"({"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 1, "op": "SCMP_CMP_LIKE"})"),
      R"(linux.seccomp.syscalls[1].args[1].op: unknown operator (got "SCMP_CMP_LIKE"))");
  EXPECT_EQ(args_error(R"({"index": 0, "op": "SCMP_CMP_EQ"})"), "linux.seccomp.syscalls[1].args[0].value: is required");
  EXPECT_EQ(args_error(R"({"index": 0, "value": -1, "op": "SCMP_CMP_EQ"})"),
            "linux.seccomp.syscalls[1].args[0].value: must be a non-negative whole number (got -1)");
  EXPECT_EQ(args_error(R"({"value": 1, "op": "SCMP_CMP_EQ"})"), "linux.seccomp.syscalls[1].args[0].index: is required");
  EXPECT_EQ(args_error(R"({"index": 0, "value": 1})"), "linux.seccomp.syscalls[1].args[0].op: is required");
  EXPECT_EQ(args_error("7"), "linux.seccomp.syscalls[1].args[0]: must be an object (got 7)");
}

TEST(SeccompCompile, ProducesAFilterWithFlags) {
  SeccompProgram program = compile_seccomp(parse(kProfile));
  EXPECT_FALSE(program.filter.empty());
  EXPECT_EQ(program.flags, SECCOMP_FILTER_FLAG_LOG);
  EXPECT_FALSE(program.needs_listener);

  Seccomp notify = parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/a",
      "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_NOTIFY"}]})");
  EXPECT_TRUE(compile_seccomp(notify).needs_listener);
}

TEST(SeccompCompile, ArchitecturesAndMultiplexedSyscalls) {
  // socketcall exists only on some of these; libseccomp places it where it exists.
  SeccompProgram program = compile_seccomp(parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
          "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
          "SCMP_ARCH_X86"],
      "syscalls": [{"names": ["socketcall", "socket"], "action": "SCMP_ACT_ERRNO"}]})"));
  EXPECT_FALSE(program.filter.empty());

  // Every name parses; libseccomp only refuses to mix byte orders in one filter.
  Seccomp big_endian = parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC",
          "SCMP_ARCH_PPC64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X"]})");
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    try {
      compile_seccomp(big_endian);
      FAIL() << "libseccomp mixed byte orders";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(),
                   "seccomp: architecture SCMP_ARCH_MIPS has a different byte order from this machine's; "
                   "libseccomp cannot combine them in one filter");
    }
  }
}

TEST(SeccompCompile, WarnsOnceAboutSyscallsLibseccompDoesNotKnow) {
  Seccomp profile = parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["no_such_call", "mkdirat", "nor_this_one"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["nor_that_one"], "action": "SCMP_ACT_ALLOW"}]})");
  ::testing::internal::CaptureStderr();
  SeccompProgram program = compile_seccomp(profile);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(program.filter.empty());
  EXPECT_NE(err.find("seccomp: skipping syscalls unknown to libseccomp "), std::string::npos) << err;
  EXPECT_NE(err.find(": no_such_call, nor_this_one\n"), std::string::npos) << err;
}

TEST(SeccompCompile, SkipsRulesWithTheDefaultAction) {
  // libseccomp itself refuses a rule whose action is the default one.
  SeccompProgram program = compile_seccomp(parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                   {"names": ["write"], "action": "SCMP_ACT_ALLOW"}]})"));
  EXPECT_FALSE(program.filter.empty());
}

TEST(SeccompCompile, RejectsAProfileNotMadeByParse) {
  Seccomp s;
  s.default_action = "SCMP_ACT_MAYBE";
  EXPECT_THROW(compile_seccomp(s), Error);
}

TEST(SeccompLoad, EmptyProgramIsAnError) {
  try {
    load_seccomp(SeccompProgram{});
    FAIL() << "load_seccomp accepted an empty program";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "load seccomp filter: the program is empty");
  }
}

TEST(SeccompLoad, WithoutNoNewPrivsOrCapSysAdminIsEacces) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to change uid";
  }
  SeccompProgram program = compile_seccomp(parse(kProfile));
  int code = in_child([&] {
    // A non-root uid has no CAP_SYS_ADMIN, so the kernel wants no_new_privs.
    check(::setresuid(65534, 65534, 65534), "setresuid");
    try {
      load_seccomp(program);
    } catch (const Error& e) {
      return std::string(e.what()).starts_with("load seccomp filter: EACCES") ? e.code() : 254;
    }
    return 0;
  });
  EXPECT_EQ(code, EACCES);
}

TEST(SeccompLoad, ErrnoRetReachesTheCaller) {
  SeccompProgram program = compile_seccomp(parse(kProfile));
  int code = in_child([&] {
    load(program);
    return ::mkdirat(AT_FDCWD, "/proc/skiff-seccomp-test", 0700) < 0 ? errno : 0;
  });
  EXPECT_EQ(code, ENOTSUP);
}

TEST(SeccompLoad, ProfileWithoutRules) {
  // Every rule has the default action, so the filter holds none: the default must still apply.
  SeccompProgram program = compile_seccomp(parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["getpid", "mkdirat"], "action": "SCMP_ACT_ALLOW"}]})"));
  int code = in_child([&] {
    load(program);
    return ::mkdirat(AT_FDCWD, "/proc", 0700) < 0 ? errno : 0;
  });
  EXPECT_EQ(code, EEXIST);
}

TEST(SeccompLoad, ManyRulesUseTheBinaryTree) {
  std::string names;
  for (const char* name : {"getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getpgrp", "getsid",
                           "mkdirat", "mkdir", "sched_yield"}) {
    names += std::string(names.empty() ? "\"" : ", \"") + name + "\"";
  }
  SeccompProgram program = compile_seccomp(parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": [)" + names + R"(], "action": "SCMP_ACT_ERRNO", "errnoRet": 95},
      {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
       "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]})"));
  int code = in_child([&] {
    load(program);
    if (::syscall(SYS_getppid) >= 0 || errno != ENOTSUP || ::syscall(SYS_sched_yield) >= 0 || errno != ENOTSUP) {
      return 1;
    }
    if (getpriority_errno(PRIO_USER) != EDOM || getpriority_errno(PRIO_PROCESS) != 0) {
      return 2;
    }
    char cwd[4096];
    return ::getcwd(cwd, sizeof cwd) == nullptr ? 3 : 0;
  });
  EXPECT_EQ(code, 0);
}

TEST(SeccompLoad, ArgumentConditions) {
  SeccompProgram program = compile_seccomp(parse(kProfile));
  int code = in_child([&] {
    load(program);
    if (getpriority_errno(PRIO_USER) != EDOM || getpriority_errno(PRIO_PROCESS) != 0) {
      return 1;
    }
    // Two conditions on argument 0: either one matching blocks the call.
    int current = getpriority(PRIO_PROCESS, 0);
    errno = 0;
    if (::setpriority(PRIO_PGRP, 0, current) == 0 || errno != ERANGE) {
      return 2;
    }
    if (::setpriority(PRIO_USER, 0, current) == 0 || errno != ERANGE) {
      return 3;
    }
    if (::setpriority(PRIO_PROCESS, 0, current) != 0) {
      return 4;
    }
    // MASKED_EQ: only modes with S_ISUID (04000 = 2048) are refused.
    UniqueFd fd(::memfd_create("seccomp-test", MFD_CLOEXEC));
    if (::fchmod(fd.get(), 0644) != 0) {
      return 5;
    }
    if (::fchmod(fd.get(), 04755) == 0 || errno != EPERM) {
      return 6;
    }
    return 0;
  });
  EXPECT_EQ(code, 0);
}

TEST(SeccompCache, ReturnsTheSameProgramAndRepairsCorruption) {
  TempDir tmp;
  std::string dir = tmp.path() + "/cache";
  Seccomp profile = parse(kProfile);
  SeccompProgram compiled = compile_seccomp(profile);

  SeccompProgram first = compile_seccomp_cached(profile, dir);
  EXPECT_TRUE(same_program(first, compiled));
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  std::vector<std::string> entries = list_dir(dir);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].ends_with(".bpf"));
  std::string file = dir + "/" + entries[0];

  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, dir), compiled));

  // A cache hit is what is on disk: a changed entry with a valid layout would be served...
  // so flip one instruction byte and expect the checksum to send us back to the compiler.
  std::string data = read_file(file);
  data[data.size() - 3] ^= 0x40;
  write_file(file, data, 0600);
  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, dir), compiled));
  EXPECT_NE(read_file(file), data);

  write_file(file, "garbage", 0600);
  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, dir), compiled));
  write_file(file, "", 0600);
  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, dir), compiled));
  EXPECT_EQ(list_dir(dir).size(), 1u);

  // A different profile gets its own entry.
  profile.syscalls[0].errno_ret = 1;
  compile_seccomp_cached(profile, dir);
  EXPECT_EQ(list_dir(dir).size(), 2u);
}

TEST(SeccompCache, ConcurrentWritersLeaveOneWholeEntry) {
  TempDir tmp;
  std::string dir = tmp.path() + "/cache";
  Seccomp profile = parse(kProfile);
  SeccompProgram compiled = compile_seccomp(profile);
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      bool ok = true;
      for (int round = 0; round < 20; ++round) {
        std::vector<std::string> entries = list_dir(dir);
        if (entries.size() == 1 && entries[0].ends_with(".bpf")) {
          ::unlink((dir + "/" + entries[0]).c_str());  // keep the writers racing
        }
        ok &= same_program(compile_seccomp_cached(profile, dir), compiled);
      }
      ::_exit(ok ? 0 : 1);
    }
    ASSERT_GT(pid, 0);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    EXPECT_EQ(wait_exit_code(pid), 0);
  }
  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, dir), compiled));
  EXPECT_EQ(list_dir(dir).size(), 1u);  // no temporary files left behind
}

TEST(SeccompCache, AnUnwritableCacheOnlyCostsTheCompile) {
  TempDir tmp;
  std::string blocker = tmp.path() + "/file";
  write_file(blocker, "not a directory");
  Seccomp profile = parse(kProfile);
  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, blocker + "/cache"), compile_seccomp(profile)));
}

TEST(SeccompCache, ADirectoryOthersCanWriteIsNotUsed) {
  TempDir tmp;
  std::string dir = tmp.path() + "/cache";
  check(::mkdir(dir.c_str(), 0700), "mkdir");
  check(::chmod(dir.c_str(), 0777), "chmod");
  Seccomp profile = parse(kProfile);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(same_program(compile_seccomp_cached(profile, dir), compile_seccomp(profile)));
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("is not owned by us or is writable by others"), std::string::npos) << err;
  EXPECT_TRUE(list_dir(dir).empty());
}

// The seccomp agent's side: accept one connection, take the message and the fd it carries.
struct AgentMessage {
  std::string data;
  UniqueFd fd;
};

AgentMessage receive_from_agent_socket(int listen_fd) {
  UniqueFd conn(check(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC), "accept"));
  AgentMessage out;
  char buf[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  for (;;) {
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = check(::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC), "recvmsg");
    if (n == 0) {
      return out;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
        out.fd.reset(fd);
      }
    }
    out.data.append(buf, static_cast<size_t>(n));
  }
}

TEST(SeccompNotify, AgentReceivesTheListenerAndAnswers) {
  TempDir tmp;
  std::string socket_path = tmp.path() + "/agent.sock";
  UniqueFd listener(check(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, socket_path.c_str());
  check(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
  check(::listen(listener.get(), 1), "listen");

  Seccomp profile = parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": ")" + socket_path + R"(",
      "listenerMetadata": "meta", "syscalls": [{"names": ["getpriority"], "action": "SCMP_ACT_NOTIFY"}]})");
  SeccompProgram program = compile_seccomp(profile);
  ASSERT_TRUE(program.needs_listener);

  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 255;
    try {
      check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
      UniqueFd notify_fd(load_seccomp(program));
      std::string state =
          R"({"ociVersion": "1.2.0", "id": "c1", "status": "creating", "pid": )" + std::to_string(::getpid()) + "}";
      send_seccomp_listener(notify_fd.get(), profile.listener_path, profile.listener_metadata, state);
      notify_fd.reset();
      // The agent answers this one with ENOLINK.
      code = getpriority_errno(PRIO_PROCESS);
    } catch (...) {
    }
    ::_exit(code);
  }
  ASSERT_GT(pid, 0);

  AgentMessage message = receive_from_agent_socket(listener.get());
  ASSERT_TRUE(message.fd.valid());
  boost::json::value got = json::parse(message.data, "containerProcessState");
  EXPECT_EQ(got.at("ociVersion"), "1.2.0");
  EXPECT_EQ(got.at("fds"), boost::json::array{"seccompFd"});
  EXPECT_EQ(got.at("pid"), pid);
  EXPECT_EQ(got.at("metadata"), "meta");
  EXPECT_EQ(got.at("state").at("id"), "c1");

  seccomp_notif request{};
  check(::ioctl(message.fd.get(), SECCOMP_IOCTL_NOTIF_RECV, &request), "SECCOMP_IOCTL_NOTIF_RECV");
  EXPECT_EQ(static_cast<pid_t>(request.pid), pid);
  seccomp_notif_resp response{};
  response.id = request.id;
  response.error = -ENOLINK;
  check(::ioctl(message.fd.get(), SECCOMP_IOCTL_NOTIF_SEND, &response), "SECCOMP_IOCTL_NOTIF_SEND");
  EXPECT_EQ(wait_exit_code(pid), ENOLINK);
}

TEST(SeccompNotify, AbsentAgentIsAnErrorNamingThePath) {
  try {
    send_seccomp_listener(0, "/nonexistent/agent.sock", "", R"({"pid": 1})");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_TRUE(std::string(e.what()).starts_with("connect to the seccomp agent at /nonexistent/agent.sock: ENOENT"))
        << e.what();
  }
}

}  // namespace
}  // namespace skiff::runtime
