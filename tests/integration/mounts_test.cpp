// mounts, root.readonly, maskedPaths, readonlyPaths, sysctl: checked from inside the container.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integration_util.h"

namespace skiff::testing {
namespace {

// The mountinfo line of the mount at point, as the container sees it ("" when none).
std::string mountinfo_line(const std::string& mountinfo, const std::string& point) {
  size_t pos = 0;
  std::string found;
  while (pos < mountinfo.size()) {
    size_t end = mountinfo.find('\n', pos);
    std::string line = mountinfo.substr(pos, end - pos);
    pos = end == std::string::npos ? mountinfo.size() : end + 1;
    // Field 5 is the mount point; the last match is the one on top.
    size_t start = 0;
    for (int field = 0; field < 4 && start != std::string::npos; ++field) {
      start = line.find(' ', start + 1);
    }
    if (start != std::string::npos && line.substr(start + 1, line.find(' ', start + 1) - start - 1) == point) {
      found = line;
    }
  }
  return found;
}

TEST(Mounts, DefaultMountsArePresent) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("defmounts"), "cat /proc/self/mountinfo");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* point : {"/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"}) {
    EXPECT_NE(mountinfo_line(r.out, point), "") << point << "\n" << r.out;
  }
  EXPECT_NE(mountinfo_line(r.out, "/proc").find(" - proc "), std::string::npos);
  EXPECT_NE(mountinfo_line(r.out, "/dev/pts").find(" - devpts "), std::string::npos);
  EXPECT_NE(mountinfo_line(r.out, "/sys").find(" ro,"), std::string::npos) << mountinfo_line(r.out, "/sys");
  // Nothing of the host's mount table is left behind the pivot.
  EXPECT_EQ(r.out.find(bundle.rootfs() + "/"), std::string::npos) << r.out;
}

TEST(Mounts, DefaultDevicesExist) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("devs"),
                              "for d in null zero full random urandom tty; do stat -c '%n %t:%T' /dev/$d; done; "
                              "echo hi > /dev/null && head -c 4 /dev/zero | wc -c; ls -l /dev/ptmx /dev/fd");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("/dev/null 1:3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/dev/zero 1:5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/dev/urandom 1:9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/dev/tty 5:0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n4\n"), std::string::npos) << r.out;
}

TEST(Mounts, BindMountOfAHostDirectoryReadWriteAndReadOnly) {
  Runtime rt;
  Bundle bundle;
  TempDir shared("skiff-bind-");
  write_file(shared.path() + "/from-host", "host data\n");
  add_mount(bundle, "/mnt/rw", "bind", shared.path(), {"rbind", "rw"});
  add_mount(bundle, "/mnt/ro", "bind", shared.path(), {"bind", "ro", "nosuid", "nodev"});
  Result r = run_in_container(rt, bundle, unique_id("bind"),
                              "cat /mnt/rw/from-host; echo container > /mnt/rw/from-container && echo wrote-rw; "
                              "cat /mnt/ro/from-container; echo x > /mnt/ro/denied || echo ro-denied; "
                              "grep -E ' /mnt/(rw|ro) ' /proc/self/mountinfo");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("host data\nwrote-rw\ncontainer\nro-denied\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(shared.path() + "/from-container"), "container\n");
  EXPECT_FALSE(path_exists(shared.path() + "/denied"));
  std::string ro = mountinfo_line(r.out, "/mnt/ro");
  EXPECT_NE(ro.find(" ro,"), std::string::npos) << ro;
  EXPECT_NE(ro.find("nosuid"), std::string::npos) << ro;
  EXPECT_NE(ro.find("nodev"), std::string::npos) << ro;
  EXPECT_NE(mountinfo_line(r.out, "/mnt/rw").find(" rw,"), std::string::npos) << r.out;
}

TEST(Mounts, BindMountOfAHostFile) {
  Runtime rt;
  Bundle bundle;
  TempDir dir("skiff-bindfile-");
  write_file(dir.path() + "/hosts", "127.0.0.1 itest-host\n");
  add_mount(bundle, "/etc/hosts", "bind", dir.path() + "/hosts", {"bind", "ro"});
  Result r = run_in_container(rt, bundle, unique_id("bindfile"), "cat /etc/hosts");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "127.0.0.1 itest-host\n");
}

TEST(Mounts, TmpfsOptions) {
  Runtime rt;
  Bundle bundle;
  add_mount(bundle, "/scratch", "tmpfs", "tmpfs", {"size=2m", "mode=1770", "nr_inodes=64", "noexec", "nosuid"});
  Result r = run_in_container(rt, bundle, unique_id("tmpfs"),
                              "stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo; "
                              "cp /bin/busybox /scratch/bb && /scratch/bb true || echo noexec-denied");
  ASSERT_EQ(r.code, 0) << r.err;
  std::string line = mountinfo_line(r.out, "/scratch");
  EXPECT_NE(line.find(" - tmpfs "), std::string::npos) << r.out;
  EXPECT_NE(line.find("size=2048k"), std::string::npos) << line;
  EXPECT_NE(line.find("nr_inodes=64"), std::string::npos) << line;
  EXPECT_NE(line.find("noexec"), std::string::npos) << line;
  EXPECT_NE(line.find("nosuid"), std::string::npos) << line;
  EXPECT_EQ(r.out.substr(0, 5), "1770\n") << r.out;
  EXPECT_NE(r.out.find("noexec-denied"), std::string::npos) << r.out;
}

TEST(Mounts, PropagationOptionsAreAccepted) {
  Runtime rt;
  Bundle bundle;
  TempDir shared("skiff-prop-");
  add_mount(bundle, "/mnt/shared", "bind", shared.path(), {"rbind", "rshared"});
  add_mount(bundle, "/mnt/slave", "bind", shared.path(), {"rbind", "rslave"});
  add_mount(bundle, "/mnt/private", "bind", shared.path(), {"bind", "rprivate"});
  add_mount(bundle, "/mnt/unbindable", "tmpfs", "tmpfs", {"size=1m", "unbindable"});
  Result r = run_in_container(rt, bundle, unique_id("prop"), "cat /proc/self/mountinfo");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(mountinfo_line(r.out, "/mnt/shared").find(" shared:"), std::string::npos) << r.out;
  EXPECT_EQ(mountinfo_line(r.out, "/mnt/private").find(" shared:"), std::string::npos) << r.out;
  EXPECT_NE(mountinfo_line(r.out, "/mnt/slave"), "") << r.out;
  EXPECT_NE(mountinfo_line(r.out, "/mnt/unbindable").find(" unbindable"), std::string::npos) << r.out;
}

TEST(Mounts, RootfsPropagationShared) {
  Runtime rt;
  Bundle bundle;
  bundle.linux()["rootfsPropagation"] = "rshared";
  Result r = run_in_container(rt, bundle, unique_id("rootprop"), "cat /proc/self/mountinfo");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(mountinfo_line(r.out, "/").find(" shared:"), std::string::npos) << r.out;
}

TEST(Mounts, RootReadonly) {
  Runtime rt;
  Bundle bundle;
  bundle.config()["root"].as_object()["readonly"] = true;
  Result r = run_in_container(
      rt, bundle, unique_id("rootro"),
      "touch /etc/x 2>/dev/null && echo root-writable; touch /tmp/x 2>/dev/null && echo tmp-writable; "
      "echo ok > /dev/shm/y && cat /dev/shm/y; grep -E '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / ' /proc/self/mountinfo");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("root-writable"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("tmp-writable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok\n"), std::string::npos) << r.out;  // mounts on top stay writable
  EXPECT_NE(mountinfo_line(r.out, "/").find(" ro,"), std::string::npos) << r.out;
  EXPECT_FALSE(path_exists(bundle.rootfs() + "/etc/x"));
}

TEST(Mounts, MaskedPathsReadEmpty) {
  Runtime rt;
  Bundle bundle;
  write_file(bundle.rootfs() + "/etc/secret", "top secret\n");
  mkdir_all(bundle.rootfs() + "/etc/secret-dir");
  write_file(bundle.rootfs() + "/etc/secret-dir/inner", "inner secret\n");
  auto& masked = bundle.linux()["maskedPaths"].as_array();
  masked.emplace_back("/etc/secret");
  masked.emplace_back("/etc/secret-dir");
  masked.emplace_back("/does/not/exist");
  Result r = run_in_container(rt, bundle, unique_id("masked"),
                              "echo \"[$(cat /etc/secret)]\"; echo \"[$(ls -A /etc/secret-dir)]\"; "
                              "echo \"[$(cat /proc/timer_list | head -c 1 | wc -c)]\"; "
                              "touch /etc/secret-dir/new 2>/dev/null && echo dir-writable; "
                              "echo x > /etc/secret; echo \"[$(cat /etc/secret)]\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[]\n[]\n[0]\n[]\n") << r.err;
  EXPECT_EQ(read_file(bundle.rootfs() + "/etc/secret"), "top secret\n");
}

TEST(Mounts, MaskedPathThatIsASymlinkMasksItsTarget) {
  Runtime rt;
  Bundle bundle;
  write_file(bundle.rootfs() + "/etc/secret", "top secret\n");
  ASSERT_EQ(::symlink("/etc/secret", (bundle.rootfs() + "/etc/alias").c_str()), 0);
  bundle.linux()["maskedPaths"].as_array().emplace_back("/etc/alias");
  Result r = run_in_container(rt, bundle, unique_id("masklink"), "echo \"[$(cat /etc/secret)]\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[]\n") << r.err;
}

TEST(Mounts, ReadonlyPathsRefuseWrites) {
  Runtime rt;
  Bundle bundle;
  mkdir_all(bundle.rootfs() + "/data/locked");
  write_file(bundle.rootfs() + "/data/locked/file", "original\n");
  bundle.linux()["readonlyPaths"].as_array().emplace_back("/data/locked");
  Result r = run_in_container(rt, bundle, unique_id("ropaths"),
                              "echo changed > /data/locked/file || echo file-denied; "
                              "touch /data/locked/new || echo dir-denied; "
                              "echo 1 > /proc/sys/kernel/printk 2>/dev/null || echo proc-sys-denied; "
                              "echo ok > /data/free && cat /data/free; cat /data/locked/file");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "file-denied\ndir-denied\nproc-sys-denied\nok\noriginal\n") << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(bundle.rootfs() + "/data/locked/file"), "original\n");
}

TEST(Mounts, SysctlsInANewNetworkAndIpcNamespace) {
  Runtime rt;
  Bundle bundle;
  bundle.linux()["sysctl"] = boost::json::object{{"net.ipv4.ip_forward", "1"}, {"kernel.shm_rmid_forced", "1"}};
  std::string host_forward = read_file("/proc/sys/net/ipv4/ip_forward");
  std::string host_rmid = read_file("/proc/sys/kernel/shm_rmid_forced");
  Result r = run_in_container(rt, bundle, unique_id("sysctl"),
                              "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n1\n");
  // The host's values are untouched: both belong to the container's own namespaces.
  EXPECT_EQ(read_file("/proc/sys/net/ipv4/ip_forward"), host_forward);
  EXPECT_EQ(read_file("/proc/sys/kernel/shm_rmid_forced"), host_rmid);
}

TEST(Mounts, UnknownSysctlFailsNamingIt) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badsysctl");
  bundle.linux()["sysctl"] = boost::json::object{{"net.ipv4.no_such_knob", "1"}};
  Result r = run_in_container(rt, bundle, id, "true");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("no_such_knob"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

}  // namespace
}  // namespace skiff::testing
