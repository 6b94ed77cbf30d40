#include "skiff/runtime/mount_options.h"

#include <gtest/gtest.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include <string>
#include <vector>

#include "skiff/base/error.h"

namespace skiff::runtime {
namespace {

MountOptions parse(const std::vector<std::string>& options) {
  return parse_mount_options(options, "mounts[3].options");
}

std::string error_of(const std::vector<std::string>& options) {
  try {
    parse(options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(MountOptions, Empty) {
  MountOptions o = parse({});
  EXPECT_EQ(o.flags, 0u);
  EXPECT_TRUE(o.propagation.empty());
  EXPECT_FALSE(o.bind);
  EXPECT_FALSE(o.recursive_bind);
  EXPECT_EQ(o.attr_set, 0u);
  EXPECT_EQ(o.attr_clr, 0u);
  EXPECT_EQ(o.data, "");
  EXPECT_FALSE(o.tmpcopyup);
}

TEST(MountOptions, Flags) {
  MountOptions o = parse({"ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "noatime", "nodiratime", "mand"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                                                MS_DIRSYNC | MS_NOATIME | MS_NODIRATIME | MS_MANDLOCK));
  EXPECT_EQ(parse({"relatime"}).flags, static_cast<unsigned long>(MS_RELATIME));
  EXPECT_EQ(parse({"strictatime"}).flags, static_cast<unsigned long>(MS_STRICTATIME));
  EXPECT_EQ(parse({"remount"}).flags, static_cast<unsigned long>(MS_REMOUNT));
  EXPECT_EQ(parse({"silent"}).flags, static_cast<unsigned long>(MS_SILENT));
}

TEST(MountOptions, ClearingWordsUndoEarlierOnes) {
  EXPECT_EQ(parse({"ro", "rw"}).flags, 0u);
  EXPECT_EQ(parse({"rw", "ro"}).flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(parse({"nosuid", "suid"}).flags, 0u);
  EXPECT_EQ(parse({"nodev", "dev"}).flags, 0u);
  EXPECT_EQ(parse({"noexec", "exec"}).flags, 0u);
  EXPECT_EQ(parse({"sync", "async"}).flags, 0u);
  EXPECT_EQ(parse({"noatime", "atime"}).flags, 0u);
  EXPECT_EQ(parse({"nodiratime", "diratime"}).flags, 0u);
  EXPECT_EQ(parse({"relatime", "norelatime"}).flags, 0u);
  EXPECT_EQ(parse({"strictatime", "nostrictatime"}).flags, 0u);
  EXPECT_EQ(parse({"mand", "nomand"}).flags, 0u);
  EXPECT_EQ(parse({"silent", "loud"}).flags, 0u);
  // A clearing word alone sets nothing.
  EXPECT_EQ(parse({"rw", "suid", "dev", "exec"}).flags, 0u);
}

TEST(MountOptions, Bind) {
  MountOptions bind = parse({"bind"});
  EXPECT_TRUE(bind.bind);
  EXPECT_FALSE(bind.recursive_bind);
  MountOptions rbind = parse({"rbind"});
  EXPECT_TRUE(rbind.bind);
  EXPECT_TRUE(rbind.recursive_bind);
  // rbind stays recursive when bind follows it.
  EXPECT_TRUE(parse({"rbind", "bind"}).recursive_bind);
  EXPECT_TRUE(parse({"tmpcopyup"}).tmpcopyup);
}

TEST(MountOptions, PropagationInOrder) {
  MountOptions o = parse({"private", "rshared", "slave", "rslave", "unbindable", "runbindable", "rprivate", "shared"});
  EXPECT_EQ(o.propagation,
            (std::vector<unsigned long>{MS_PRIVATE, MS_SHARED | MS_REC, MS_SLAVE, MS_SLAVE | MS_REC, MS_UNBINDABLE,
                                        MS_UNBINDABLE | MS_REC, MS_PRIVATE | MS_REC, MS_SHARED}));
  EXPECT_EQ(o.flags, 0u);
}

TEST(MountOptions, RecursiveAttributes) {
  MountOptions o = parse({"rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime"});
  EXPECT_EQ(o.attr_set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                              MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME));
  EXPECT_EQ(o.attr_clr, 0u);
  EXPECT_EQ(o.flags, 0u);
  MountOptions clr = parse({"rrw", "rsuid", "rdev", "rexec", "rdiratime"});
  EXPECT_EQ(clr.attr_clr, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME));
  EXPECT_EQ(clr.attr_set, 0u);
}

TEST(MountOptions, LaterRecursiveAttributeWins) {
  MountOptions o = parse({"rro", "rrw"});
  EXPECT_EQ(o.attr_set, 0u);
  EXPECT_EQ(o.attr_clr, static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
  MountOptions back = parse({"rrw", "rro"});
  EXPECT_EQ(back.attr_set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
  EXPECT_EQ(back.attr_clr, 0u);
}

TEST(MountOptions, AtimeModeClearsTheWholeField) {
  MountOptions o = parse({"rnoatime"});
  EXPECT_EQ(o.attr_set, static_cast<uint64_t>(MOUNT_ATTR_NOATIME));
  EXPECT_EQ(o.attr_clr & MOUNT_ATTR__ATIME, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
  MountOptions s = parse({"rstrictatime"});
  EXPECT_EQ(s.attr_set, static_cast<uint64_t>(MOUNT_ATTR_STRICTATIME));
  EXPECT_EQ(s.attr_clr & MOUNT_ATTR__ATIME, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
}

TEST(MountOptions, UnknownWordsAreData) {
  MountOptions o = parse({"nosuid", "mode=755", "size=65536k", "uid=0"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(o.data, "mode=755,size=65536k,uid=0");
  EXPECT_EQ(parse({"newinstance", "ptmxmode=0666", "gid=5"}).data, "newinstance,ptmxmode=0666,gid=5");
}

TEST(MountOptions, ErrorsNameTheElement) {
  EXPECT_EQ(error_of({"ro", ""}), "mounts[3].options[1]: empty mount option");
  std::string idmap = error_of({"idmap"});
  EXPECT_NE(idmap.find("mounts[3].options[0]"), std::string::npos) << idmap;
  EXPECT_NE(idmap.find("\"idmap\""), std::string::npos) << idmap;
  EXPECT_NE(error_of({"bind", "ridmap"}).find("mounts[3].options[1]"), std::string::npos);
}

TEST(BindRemountFlags, KeepsOnlyWhatARemountApplies) {
  MountOptions o = parse({"rbind", "ro", "nosuid", "nodev", "noexec", "relatime", "rprivate", "mode=1"});
  EXPECT_EQ(bind_remount_flags(o),
            static_cast<unsigned long>(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME));
  EXPECT_EQ(bind_remount_flags(parse({"bind"})), 0u);
  EXPECT_EQ(bind_remount_flags(parse({"remount", "silent", "ro"})), static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(bind_remount_flags(parse({"sync", "dirsync", "mand", "noatime", "nodiratime", "strictatime"})),
            static_cast<unsigned long>(MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME |
                                       MS_STRICTATIME));
}

TEST(ParsePropagation, EveryWord) {
  EXPECT_EQ(parse_propagation("private", "f"), static_cast<unsigned long>(MS_PRIVATE));
  EXPECT_EQ(parse_propagation("rprivate", "f"), static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  EXPECT_EQ(parse_propagation("shared", "f"), static_cast<unsigned long>(MS_SHARED));
  EXPECT_EQ(parse_propagation("rshared", "f"), static_cast<unsigned long>(MS_SHARED | MS_REC));
  EXPECT_EQ(parse_propagation("slave", "f"), static_cast<unsigned long>(MS_SLAVE));
  EXPECT_EQ(parse_propagation("rslave", "f"), static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_EQ(parse_propagation("unbindable", "f"), static_cast<unsigned long>(MS_UNBINDABLE));
  EXPECT_EQ(parse_propagation("runbindable", "f"), static_cast<unsigned long>(MS_UNBINDABLE | MS_REC));
}

TEST(ParsePropagation, ErrorsNameTheFieldAndValue) {
  for (const char* bad : {"", "Private", "rro", "ro", "recursive"}) {
    try {
      parse_propagation(bad, "linux.rootfsPropagation");
      FAIL() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind("linux.rootfsPropagation: unknown propagation (got \"" + std::string(bad) + "\"", 0), 0u)
          << msg;
    }
  }
}

}  // namespace
}  // namespace skiff::runtime
