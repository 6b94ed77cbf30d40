// Each test tries an attack that hit runc, crun or youki, and checks that skiff stops it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "integration_util.h"

namespace skiff::testing {
namespace {

bool is_mount_point(const std::string& path) {
  std::string mounts = read_file("/proc/self/mountinfo");
  return mounts.find(" " + path + " ") != std::string::npos;
}

bool dir_is_empty(const std::string& path) {
  Result r = host({"ls", "-A", path});
  return r.code == 0 && r.out.empty();
}

// CVE-2019-5736: a process in the container's pid namespace opens /proc/<runtime>/exe while the
// container waits in `created` (its pid 1 is still the runtime's own process) and overwrites the
// runtime binary through it.
TEST(Security, Cve2019_5736RuntimeBinaryIsNotReachable) {
  std::string runtime_hash = sha256_of(runtime_path());
  ASSERT_FALSE(runtime_hash.empty());
  Runtime rt;
  Bundle victim;
  std::string victim_id = unique_id("victim");
  victim.set_args({"sleep", "1000"});
  victim.save();
  Result created = rt.run({"create", "--bundle", victim.path(), victim_id});
  ASSERT_EQ(created.code, 0) << created.err;
  ASSERT_EQ(status_of(rt, victim_id), "created");
  std::string pid = std::to_string(state_of(rt, victim_id).at("pid").as_int64());
  // The waiting process is the runtime: that is what the attack goes for.
  ASSERT_EQ(::access(("/proc/" + pid + "/exe").c_str(), F_OK), 0);

  Bundle attacker;
  set_namespace(attacker, "pid", "/proc/" + pid + "/ns/pid");
  Result r = run_in_container(rt, attacker, unique_id("attacker"),
                              "echo \"pid1=$(cat /proc/1/comm 2>/dev/null)\"; "
                              "ls -l /proc/1/exe 2>&1 | grep -q -- '->' && echo exe-readable; "
                              "cat /proc/1/exe > /tmp/copy 2>/dev/null && echo read-ok; "
                              "echo '#!/bin/sh' > /proc/1/exe 2>/dev/null && echo write-ok; "
                              "(exec 3<> /proc/1/exe) 2>/dev/null && echo open-rw-ok; "
                              // The fd numbers are listable (the directory is root's), not where they lead.
                              "for f in /proc/1/fd/*; do readlink $f 2>/dev/null && echo fd-link-readable; "
                              "(exec 4< $f) 2>/dev/null && echo fd-openable; done; "
                              "cat /proc/1/environ > /dev/null 2>&1 && echo environ-readable; "
                              "echo done");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("done\n"), std::string::npos) << r.out;
  for (const char* leak :
       {"exe-readable", "read-ok", "write-ok", "open-rw-ok", "fd-link-readable", "fd-openable", "environ-readable"}) {
    EXPECT_EQ(r.out.find(leak), std::string::npos) << leak << "\n" << r.out;
  }
  EXPECT_EQ(sha256_of(runtime_path()), runtime_hash);
  // The victim still starts normally.
  EXPECT_EQ(status_of(rt, victim_id), "created");
  Result started = rt.run({"start", victim_id});
  EXPECT_EQ(started.code, 0) << started.err;
  EXPECT_EQ(sha256_of(runtime_path()), runtime_hash);
}

// The same through exec: the exec'd process's runtime stage is just as unreachable.
TEST(Security, ExecRuntimeStageIsNotReachable) {
  std::string runtime_hash = sha256_of(runtime_path());
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("exec-5736");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  // Every process the exec can see, except itself and the init, is a candidate.
  Result r = rt.run({"exec", id, "sh", "-c",
                     "for p in /proc/[0-9]*; do [ -r $p/exe ] && readlink $p/exe; done; "
                     "echo x >> /proc/1/exe 2>/dev/null && echo write-ok; echo done"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("skiff-runtime"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("write-ok"), std::string::npos) << r.out;
  EXPECT_EQ(sha256_of(runtime_path()), runtime_hash);
}

// CVE-2019-19921 and friends: /proc as a symlink would send the runtime's /proc writes elsewhere.
TEST(Security, ProcSymlinkInTheRootfsIsRefused) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("procsym");
  ASSERT_EQ(::rmdir((bundle.rootfs() + "/proc").c_str()), 0);
  ASSERT_EQ(::symlink("/etc", (bundle.rootfs() + "/proc").c_str()), 0);
  bundle.set_args({"true"});
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("/proc"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("symlink"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  // Nothing was mounted or written through the link.
  EXPECT_FALSE(path_exists(bundle.rootfs() + "/etc/self"));
  EXPECT_EQ(rt.run({"list", "-q"}).out, "");
}

TEST(Security, SysSymlinkInTheRootfsIsRefused) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("syssym");
  ASSERT_EQ(::rmdir((bundle.rootfs() + "/sys").c_str()), 0);
  ASSERT_EQ(::symlink("../tmp", (bundle.rootfs() + "/sys").c_str()), 0);
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("/sys"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

// A mount destination that is a symlink out of the rootfs (absolute, or climbing with ..) must
// be resolved inside the rootfs: the host directory never receives the mount.
TEST(Security, MountDestinationSymlinkStaysInTheRootfs) {
  TempDir outside("skiff-outside-");
  write_file(outside.path() + "/canary", "host\n");
  for (bool relative : {false, true}) {
    SCOPED_TRACE(relative ? "relative symlink" : "absolute symlink");
    Runtime rt;
    Bundle bundle;
    std::string id = unique_id("mntsym");
    std::string target = relative ? "../../../../../../../../.." + outside.path() : outside.path();
    ASSERT_EQ(::symlink(target.c_str(), (bundle.rootfs() + "/escape").c_str()), 0);
    // The same path inside the rootfs, so that the resolved destination exists there.
    mkdir_all(bundle.rootfs() + outside.path());
    add_mount(bundle, "/escape", "tmpfs", "tmpfs", {"size=1m"});
    add_mount(bundle, "/escape/sub", "tmpfs", "tmpfs", {"size=1m"});
    Result r = run_in_container(rt, bundle, id,
                                "echo inside > /escape/written; stat -f -c %T " + outside.path() + "; grep -c ' " +
                                    outside.path() + "' /proc/self/mountinfo; ls " + outside.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "tmpfs\n2\nsub\nwritten\n");
    EXPECT_FALSE(is_mount_point(outside.path()));
    EXPECT_EQ(read_file(outside.path() + "/canary"), "host\n");
    EXPECT_FALSE(path_exists(outside.path() + "/written"));
    EXPECT_FALSE(path_exists(outside.path() + "/sub"));
    EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  }
}

// When the symlink's target does not exist in the rootfs, the mount may fail, but must not land
// on the host.
TEST(Security, MountDestinationDanglingSymlinkNeverReachesTheHost) {
  TempDir outside("skiff-outside-");
  for (bool relative : {false, true}) {
    SCOPED_TRACE(relative ? "relative symlink" : "absolute symlink");
    Runtime rt;
    Bundle bundle;
    std::string id = unique_id("mntdangle");
    std::string target = relative ? "../../../../../../../../.." + outside.path() : outside.path();
    ASSERT_EQ(::symlink(target.c_str(), (bundle.rootfs() + "/escape").c_str()), 0);
    add_mount(bundle, "/escape", "tmpfs", "tmpfs", {"size=1m"});
    TempDir source("skiff-bindsrc-");
    write_file(source.path() + "/payload", "payload\n");
    add_mount(bundle, "/escape/bind", "bind", source.path(), {"bind"});
    Result r = run_in_container(rt, bundle, id, "stat -f -c %T " + outside.path() + "; ls " + outside.path());
    if (r.code == 0) {
      EXPECT_EQ(r.out, "tmpfs\nbind\n");
      EXPECT_TRUE(path_exists(bundle.rootfs() + outside.path()));
    } else {
      EXPECT_NE(r.err.find("/escape"), std::string::npos) << r.err;
    }
    EXPECT_TRUE(dir_is_empty(outside.path()));
    EXPECT_FALSE(is_mount_point(outside.path()));
    EXPECT_FALSE(is_mount_point(outside.path() + "/bind"));
    EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  }
}

// A bind source that is a symlink is resolved on the host (it is the caller's path), but a bind
// destination through a symlinked parent stays inside.
TEST(Security, BindMountThroughASymlinkedParentStaysInside) {
  TempDir outside("skiff-outside-");
  TempDir source("skiff-bindsrc-");
  write_file(source.path() + "/payload", "payload\n");
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("bindsym");
  ASSERT_EQ(::symlink(outside.path().c_str(), (bundle.rootfs() + "/link").c_str()), 0);
  add_mount(bundle, "/link/deeper/dir", "bind", source.path(), {"bind", "ro"});
  Result r = run_in_container(rt, bundle, id, "cat " + outside.path() + "/deeper/dir/payload");
  if (r.code == 0) {
    EXPECT_EQ(r.out, "payload\n");
  }
  EXPECT_TRUE(dir_is_empty(outside.path()));
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

// maskedPaths bind /dev/null over the masked files: a /dev/null that is not the null device
// (here a config mount of a host file over it) must stop create.
TEST(Security, ReplacedDevNullStopsMaskedPaths) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("fakenull");
  TempDir dir("skiff-fakenull-");
  std::string fake = dir.path() + "/fake-null";
  write_file(fake, "not the null device\n");
  add_mount(bundle, "/dev/null", "bind", fake, {"bind"});
  ASSERT_FALSE(bundle.linux()["maskedPaths"].as_array().empty());
  bundle.set_args({"cat", "/proc/kcore"});
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("/dev/null"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mount"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  EXPECT_EQ(read_file(fake), "not the null device\n");
}

// The same with the image's own /dev/null replaced and no /dev tmpfs: the runtime makes a real one.
TEST(Security, ImageDevNullIsReplacedByTheRealDevice) {
  Runtime rt;
  Bundle bundle;
  auto& mounts = bundle.config()["mounts"].as_array();
  for (auto it = mounts.begin(); it != mounts.end();) {
    it = it->as_object().at("destination").as_string() == "/dev" ? mounts.erase(it) : it + 1;
  }
  write_file(bundle.rootfs() + "/dev/null", "image file\n");
  write_file(bundle.rootfs() + "/etc/masked", "secret\n");
  bundle.linux()["maskedPaths"].as_array().emplace_back("/etc/masked");
  Result r =
      run_in_container(rt, bundle, unique_id("imgnull"), "stat -c %t:%T /dev/null; echo \"[$(cat /etc/masked)]\"");
  if (r.code == 0) {
    EXPECT_EQ(r.out, "1:3\n[]\n");
  } else {
    EXPECT_NE(r.err.find("/dev/null"), std::string::npos) << r.err;
  }
}

// Only stdio reaches the container's process: no fd of the runtime leaks in.
TEST(Security, OnlyStdioIsInherited) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("fds"), "ls /proc/self/fd");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n3\n");  // 3 is ls's own directory fd
  // Detached, through create and start, the same.
  std::string id = unique_id("fds-detached");
  bundle.set_args({"sh", "-c", "ls /proc/self/fd > /tmp/fds; sleep 1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"create", "--bundle", bundle.path(), id}).code, 0);
  ASSERT_EQ(rt.run({"start", id}).code, 0);
  EXPECT_EQ(wait_for_lines(bundle.rootfs() + "/tmp/fds", 4), "0\n1\n2\n3\n");
}

TEST(Security, PreserveFdsPassesExactlyThoseFds) {
  Runtime rt;
  Bundle bundle;
  TempDir dir;
  write_file(dir.path() + "/passed", "passed-through\n");
  write_file(dir.path() + "/extra", "not passed\n");
  UniqueFd passed(::open((dir.path() + "/passed").c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd extra(::open((dir.path() + "/extra").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(passed && extra);
  bundle.set_args({"sh", "-c", "ls /proc/self/fd; cat <&3; cat <&4 || echo no-fd-4"});
  bundle.save();
  // fd 3 and 4 both reach skiff-runtime; only the first is asked for.
  Result r = run_with_fds(rt, {"run", "--preserve-fds", "1", "--bundle", bundle.path(), unique_id("preserve")},
                          {passed.get(), extra.get()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n3\n4\npassed-through\nno-fd-4\n") << r.err;
  // Without --preserve-fds none of them get in.
  Result none =
      run_with_fds(rt, {"run", "--bundle", bundle.path(), unique_id("nopreserve")}, {passed.get(), extra.get()});
  EXPECT_EQ(none.out, "0\n1\n2\n3\nno-fd-4\n") << none.err;
}

TEST(Security, ExecPreserveFds) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("exec-preserve");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  TempDir dir;
  write_file(dir.path() + "/passed", "exec-passed\n");
  UniqueFd passed(::open((dir.path() + "/passed").c_str(), O_RDONLY | O_CLOEXEC));
  Result r =
      run_with_fds(rt, {"exec", "--preserve-fds", "1", id, "sh", "-c", "ls /proc/self/fd; cat <&3"}, {passed.get()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n3\n4\nexec-passed\n");
}

// The container's process cannot regain what it was denied through setuid binaries.
TEST(Security, NoNewPrivilegesBlocksSetuid) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["user"] = boost::json::object{{"uid", 1000}, {"gid", 1000}};
  bundle.process()["noNewPrivileges"] = true;
  ASSERT_EQ(::chmod((bundle.rootfs() + "/bin/busybox").c_str(), 04755), 0);
  Result r = run_in_container(rt, bundle, unique_id("nnp"), "id -u; grep NoNewPrivs /proc/self/status");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1000\nNoNewPrivs:\t1\n");
}

// The process's cwd must be inside the container.
TEST(Security, CwdOutsideTheRootfsIsImpossible) {
  Runtime rt;
  Bundle bundle;
  bundle.process()["cwd"] = "/../../../../";
  Result r = run_in_container(rt, bundle, unique_id("cwd"), "pwd; ls");
  if (r.code == 0) {
    EXPECT_EQ(r.out.substr(0, 2), "/\n");
    EXPECT_NE(r.out.find("bin\n"), std::string::npos) << r.out;
  } else {
    EXPECT_NE(r.err.find("cwd"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace skiff::testing
