// linux.seccomp: the filter is installed (mode 2) and its rules act on the container's syscalls.
#include <gtest/gtest.h>

#include "integration_util.h"

namespace skiff::testing {
namespace {

boost::json::object rule(const std::vector<std::string>& names, const std::string& action) {
  return boost::json::object{{"names", strings(names)}, {"action", action}};
}

boost::json::object profile(boost::json::array syscalls) {
  return boost::json::object{
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"architectures", strings({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"})},
      {"syscalls", std::move(syscalls)},
  };
}

TEST(Seccomp, FilterIsInstalledAndErrnoRetIsReturned) {
  for (bool no_new_privs : {true, false}) {
    SCOPED_TRACE(no_new_privs ? "noNewPrivileges" : "without noNewPrivileges");
    Runtime rt;
    Bundle bundle;
    bundle.process()["noNewPrivileges"] = no_new_privs;
    auto mkdir_rule = rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO");
    mkdir_rule["errnoRet"] = 13;                          // EACCES
    auto rmdir_rule = rule({"rmdir"}, "SCMP_ACT_ERRNO");  // no errnoRet: EPERM
    bundle.linux()["seccomp"] = profile(boost::json::array{mkdir_rule, rmdir_rule});
    mkdir_all(bundle.rootfs() + "/tmp/existing");
    Result r =
        run_in_container(rt, bundle, unique_id("seccomp"),
                         "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /tmp/new; echo \"mkdir=$?\"; "
                         "rmdir /tmp/existing; echo \"rmdir=$?\"; touch /tmp/file && echo touched");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("Seccomp:\t2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string("NoNewPrivs:\t") + (no_new_privs ? "1" : "0")), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mkdir=1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rmdir=1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("touched\n"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("can't create directory '/tmp/new': Permission denied"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'/tmp/existing': Operation not permitted"), std::string::npos) << r.err;
    EXPECT_FALSE(path_exists(bundle.rootfs() + "/tmp/new"));
    EXPECT_TRUE(path_exists(bundle.rootfs() + "/tmp/existing"));
  }
}

TEST(Seccomp, ArgumentConditions) {
  Runtime rt;
  Bundle bundle;
  // chmod(path, mode) and fchmodat(dirfd, path, mode): only mode 0777 is refused.
  auto chmod_rule = rule({"chmod"}, "SCMP_ACT_ERRNO");
  chmod_rule["errnoRet"] = 13;
  chmod_rule["args"] = boost::json::array{boost::json::object{{"index", 1}, {"value", 0777}, {"op", "SCMP_CMP_EQ"}}};
  auto fchmodat_rule = rule({"fchmodat"}, "SCMP_ACT_ERRNO");
  fchmodat_rule["errnoRet"] = 13;
  fchmodat_rule["args"] = boost::json::array{boost::json::object{{"index", 2}, {"value", 0777}, {"op", "SCMP_CMP_EQ"}}};
  bundle.linux()["seccomp"] = profile(boost::json::array{chmod_rule, fchmodat_rule});
  Result r = run_in_container(rt, bundle, unique_id("seccomp-args"),
                              "touch /tmp/f; chmod 640 /tmp/f && echo 640-ok; chmod 777 /tmp/f || echo 777-denied; "
                              "stat -c %a /tmp/f");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "640-ok\n777-denied\n640\n") << r.err;
}

TEST(Seccomp, KillActionKillsWithSigsys) {
  Runtime rt;
  Bundle bundle;
  bundle.linux()["seccomp"] = profile(boost::json::array{rule({"sync"}, "SCMP_ACT_KILL")});
  // A child shell runs sync so that the container's own shell survives to report it.
  Result r = run_in_container(rt, bundle, unique_id("seccomp-kill"), "sh -c sync; echo \"sync=$?\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "sync=159\n");  // 128 + SIGSYS
}

TEST(Seccomp, KilledContainerProcessGivesRunTheSignalExitCode) {
  Runtime rt;
  Bundle bundle;
  bundle.linux()["seccomp"] = profile(boost::json::array{rule({"sync"}, "SCMP_ACT_KILL_PROCESS")});
  bundle.set_args({"sync"});
  bundle.save();
  Result r = rt.run({"run", "--bundle", bundle.path(), unique_id("seccomp-killproc")});
  EXPECT_EQ(r.code, 159) << r.err;
}

TEST(Seccomp, SocketRefusedWithItsErrno) {
  Runtime rt;
  Bundle bundle;
  auto deny_socket = rule({"socket"}, "SCMP_ACT_ERRNO");
  deny_socket["errnoRet"] = 97;  // EAFNOSUPPORT
  bundle.linux()["seccomp"] = profile(boost::json::array{deny_socket});
  Result r = run_in_container(rt, bundle, unique_id("seccomp-socket"), "nc -l -p 1234 127.0.0.1; echo \"nc=$?\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("nc=1"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Address family not supported"), std::string::npos) << r.err;
}

TEST(Seccomp, UnknownSyscallNameAndActionAreErrors) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("seccomp-bad");
  bundle.linux()["seccomp"] = profile(boost::json::array{rule({"mkdir"}, "SCMP_ACT_EXPLODE")});
  Result r = run_in_container(rt, bundle, id, "true");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("SCMP_ACT_EXPLODE"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Seccomp, ExecInheritsTheFilter) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("seccomp-exec");
  bundle.set_args({"sleep", "1000"});
  auto mkdir_rule = rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO");
  mkdir_rule["errnoRet"] = 1;
  bundle.linux()["seccomp"] = profile(boost::json::array{mkdir_rule});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  Result r = rt.run({"exec", id, "sh", "-c", "grep Seccomp: /proc/self/status; mkdir /tmp/x"});
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.out, "Seccomp:\t2\n");
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace skiff::testing
