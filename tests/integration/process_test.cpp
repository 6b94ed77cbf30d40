// process.*: what the container's process looks like from inside: names, capabilities,
// no_new_privs, user and groups, umask, rlimits, environment, cwd, personality.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "integration_util.h"
#include "skiff/base/strings.h"

namespace skiff::testing {
namespace {

TEST(Process, HostnameAndDomainname) {
  Runtime rt;
  Bundle bundle;
  bundle.config()["hostname"] = "box-one";
  bundle.config()["domainname"] = "itest.example";
  Result r = run_in_container(rt, bundle, unique_id("names"), "hostname; cat /proc/sys/kernel/domainname");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "box-one\nitest.example\n");
}

// CAP_CHOWN 0, CAP_KILL 5, CAP_NET_BIND_SERVICE 10, CAP_NET_RAW 13, CAP_SYS_CHROOT 18,
// CAP_AUDIT_WRITE 29. As root, execve gives the process its bounding set (file capabilities
// count as full for uid 0), so the root test keeps the sets equal and checks what is dropped.
TEST(Process, RootCapabilitiesMatchTheConfig) {
  Runtime rt;
  Bundle bundle;
  auto caps = strings({"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT"});
  bundle.process()["capabilities"] = boost::json::object{{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  bundle.process()["noNewPrivileges"] = true;
  Result r = run_in_container(rt, bundle, unique_id("caps"), "cat /proc/self/status");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_field(r.out, "CapBnd"), "0000000000042421") << r.out;
  EXPECT_EQ(status_field(r.out, "CapPrm"), "0000000000042421") << r.out;
  EXPECT_EQ(status_field(r.out, "CapEff"), "0000000000042421") << r.out;
  EXPECT_EQ(status_field(r.out, "CapInh"), "0000000000000000") << r.out;
  EXPECT_EQ(status_field(r.out, "CapAmb"), "0000000000000000") << r.out;
  EXPECT_EQ(status_field(r.out, "NoNewPrivs"), "1") << r.out;
}

TEST(Process, DefaultCapabilitiesAndNoNewPrivileges) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["noNewPrivileges"] = false;
  // `spec` gives CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE.
  Result r = run_in_container(rt, bundle, unique_id("defcaps"), "cat /proc/self/status");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_field(r.out, "CapEff"), "0000000020000420") << r.out;
  EXPECT_EQ(status_field(r.out, "CapBnd"), "0000000020000420") << r.out;
  EXPECT_EQ(status_field(r.out, "CapInh"), "0000000000000000") << r.out;
  EXPECT_EQ(status_field(r.out, "NoNewPrivs"), "0") << r.out;
}

// A non-root user keeps across execve only its ambient capabilities (effective and permitted
// become the ambient set); inheritable and bounding stay as configured.
TEST(Process, NonRootUserCapabilitySets) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["user"] = boost::json::object{{"uid", 1000}, {"gid", 1000}};
  bundle.process()["capabilities"] = boost::json::object{
      {"bounding", strings({"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"})},
      {"permitted", strings({"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"})},
      {"effective", strings({"CAP_CHOWN", "CAP_KILL"})},
      {"inheritable", strings({"CAP_KILL", "CAP_NET_BIND_SERVICE"})},
      {"ambient", strings({"CAP_KILL"})},
  };
  Result r = run_in_container(rt, bundle, unique_id("usercaps"), "cat /proc/self/status");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_field(r.out, "Uid"), "1000\t1000\t1000\t1000") << r.out;
  EXPECT_EQ(status_field(r.out, "CapBnd"), "0000000000002421") << r.out;
  EXPECT_EQ(status_field(r.out, "CapInh"), "0000000000000420") << r.out;
  EXPECT_EQ(status_field(r.out, "CapPrm"), "0000000000000020") << r.out;
  EXPECT_EQ(status_field(r.out, "CapEff"), "0000000000000020") << r.out;
  EXPECT_EQ(status_field(r.out, "CapAmb"), "0000000000000020") << r.out;
}

TEST(Process, UserGroupsAndUmask) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["user"] = boost::json::object{
      {"uid", 1234}, {"gid", 2345}, {"additionalGids", boost::json::array{10, 20, 30}}, {"umask", 077}};
  Result r = run_in_container(rt, bundle, unique_id("user"), "id; umask; touch /tmp/f && stat -c '%a %u %g' /tmp/f");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "uid=1234 gid=2345 groups=10,20,30\n0077\n600 1234 2345\n");
}

TEST(Process, HomeComesFromTheRootfsPasswd) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["user"] = boost::json::object{{"uid", 65534}, {"gid", 65534}};
  Result r = run_in_container(rt, bundle, unique_id("nobody"), "id -u; id -g; echo $HOME");
  ASSERT_EQ(r.code, 0) << r.err;
  // HOME comes from the rootfs's /etc/passwd when the config does not set it.
  EXPECT_EQ(r.out, "65534\n65534\n/nonexistent\n");
}

TEST(Process, Rlimits) {
  rlimit nofile{};
  rlimit nproc{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &nofile), 0);
  ASSERT_EQ(::getrlimit(RLIMIT_NPROC, &nproc), 0);
  // Never above the current hard limits: there is no CAP_SYS_RESOURCE here.
  uint64_t nofile_hard = std::min<uint64_t>(nofile.rlim_max, 1000);
  uint64_t nproc_hard = std::min<uint64_t>(nproc.rlim_max, 500);
  Runtime rt;
  Bundle bundle;
  bundle.process()["rlimits"] = boost::json::array{
      boost::json::object{{"type", "RLIMIT_NOFILE"}, {"soft", nofile_hard / 2}, {"hard", nofile_hard}},
      boost::json::object{{"type", "RLIMIT_NPROC"}, {"soft", nproc_hard / 2}, {"hard", nproc_hard}},
      boost::json::object{{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 0}},
  };
  Result r = run_in_container(rt, bundle, unique_id("rlimits"), "cat /proc/self/limits; ulimit -n; ulimit -Hn");
  ASSERT_EQ(r.code, 0) << r.err;
  auto limit_line = [&](const std::string& name) {
    size_t pos = r.out.find(name);
    if (pos == std::string::npos) {
      return std::string();
    }
    std::string line = r.out.substr(pos + name.size(), r.out.find('\n', pos) - pos - name.size());
    std::string out;
    char soft[32] = {};
    char hard[32] = {};
    if (std::sscanf(line.c_str(), "%31s %31s", soft, hard) == 2) {
      out = std::string(soft) + " " + hard;
    }
    return out;
  };
  EXPECT_EQ(limit_line("Max open files"), std::to_string(nofile_hard / 2) + " " + std::to_string(nofile_hard)) << r.out;
  EXPECT_EQ(limit_line("Max processes"), std::to_string(nproc_hard / 2) + " " + std::to_string(nproc_hard)) << r.out;
  EXPECT_EQ(limit_line("Max core file size"), "0 0") << r.out;
  EXPECT_NE(r.out.find(std::to_string(nofile_hard / 2) + "\n" + std::to_string(nofile_hard) + "\n"), std::string::npos)
      << r.out;
}

TEST(Process, RaisingAHardRlimitAboveTheCallersFailsClearly) {
  // Above fs.nr_open even CAP_SYS_RESOURCE cannot raise RLIMIT_NOFILE; below it, a caller
  // without that capability (this development machine) could not raise its hard limit either.
  uint64_t nr_open = parse_uint(trim(read_file("/proc/sys/fs/nr_open")), "/proc/sys/fs/nr_open");
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("rlimit-raise");
  bundle.process()["rlimits"] =
      boost::json::array{boost::json::object{{"type", "RLIMIT_NOFILE"}, {"soft", nr_open + 1}, {"hard", nr_open + 1}}};
  Result r = run_in_container(rt, bundle, id, "true");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("RLIMIT_NOFILE"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Process, EnvironmentAndCwd) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["env"] = strings({"PATH=/bin", "GREETING=hello world", "EMPTY="});
  bundle.process()["cwd"] = "/tmp/work";
  ::mkdir((bundle.rootfs() + "/tmp/work").c_str(), 0755);
  Result r = run_in_container(rt, bundle, unique_id("env"), "pwd; echo \"$GREETING\"; echo \"[$EMPTY]\"; echo $HOME");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "/tmp/work\nhello world\n[]\n/root\n");
}

TEST(Process, MissingExecutableFailsStartNamingIt) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("noexe");
  bundle.set_args({"/bin/does-not-exist"});
  bundle.save();
  Result r = rt.run({"run", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("/bin/does-not-exist"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Process, PersonalityLinux32) {
  Runtime rt;
  Bundle bundle;
  bundle.linux()["personality"] = boost::json::object{{"domain", "LINUX32"}};
  Result r = run_in_container(rt, bundle, unique_id("pers"), "uname -m");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "i686\n");
}

TEST(Process, OomScoreAdj) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["oomScoreAdj"] = 123;
  Result r = run_in_container(rt, bundle, unique_id("oom"), "cat /proc/self/oom_score_adj");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "123\n");
}

}  // namespace
}  // namespace skiff::testing
