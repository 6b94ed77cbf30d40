// skiff volume create/ls/inspect/rm and -v, named and bind, run by the unprivileged user: a
// volume's files belong to the ids the container used, shifted into the user's subordinate range
// (the container's root is the user itself), and skiff removes them from inside the namespace.
#include <unistd.h>

#include "rootless_fixture.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::rootless_testing {
namespace {

using RootlessVolumes = RootlessContainers;

boost::json::object volume_document(const SubprocessResult& inspected) {
  return boost::json::parse(inspected.out).as_array().at(0).as_object();
}

TEST_F(RootlessVolumes, CreateListInspectRemove) {
  auto made = skiff({"volume", "create", "--label", "app=web", "webdata"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(made.out, "webdata\n");
  auto unnamed = skiff({"volume", "create"});
  ASSERT_EQ(unnamed.exit_code, 0) << unnamed.err;
  EXPECT_EQ(unnamed.out.size(), 65U) << unnamed.out;  // 64 hex digits and a newline

  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, unnamed.out + "webdata\n");

  auto inspected = skiff({"volume", "inspect", "webdata"});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  auto doc = volume_document(inspected);
  EXPECT_EQ(doc.at("Name"), "webdata");
  // In the user's own store, made by the user.
  std::string mountpoint = store() + "/volumes/webdata/_data";
  EXPECT_EQ(doc.at("Mountpoint").as_string(), mountpoint);
  EXPECT_EQ(owner_of(mountpoint), own_ids());
  EXPECT_EQ(doc.at("Labels").at("app"), "web");

  auto again = skiff({"volume", "create", "webdata"});
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_NE(again.err.find("volume with name webdata already exists"), std::string::npos) << again.err;
  auto missing = skiff({"volume", "rm", "webdata", "nosuch"});
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(missing.err.find("no such volume nosuch"), std::string::npos) << missing.err;
  EXPECT_TRUE(path_exists(store() + "/volumes/webdata")) << "rm removed some names before failing";

  auto removed = skiff({"volume", "rm", "webdata", std::string(trim(unnamed.out))});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "webdata\n" + unnamed.out);
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "");
}

TEST_F(RootlessVolumes, ANamedVolumeKeepsItsOwnersAndOutlivesItsContainers) {
  // Filled from the image's /home/app on its first mount, owner and mode with it: the image's user
  // app (1000 in the container, subuid start + 999 on the host) can write to it.
  ASSERT_EQ(skiff({"volume", "create", "home"}).exit_code, 0);
  auto first = skiff({"run", "--rm", "--network", "none", "-v", "home:/home/app", image(),
                      "stat -c '%U %a' /home/app; touch /home/app/mine && echo wrote"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "app 755\nwrote\n");
  std::string data = store() + "/volumes/home/_data";
  std::string app =
      std::to_string(range_of("/etc/subuid").start + 999) + ":" + std::to_string(range_of("/etc/subgid").start + 999);
  EXPECT_EQ(owner_of(data), app);
  EXPECT_EQ(owner_of(data + "/mine"), app);
  EXPECT_EQ(volume_document(skiff({"volume", "inspect", "home"})).at("NeedsCopyUp"), false);

  // Made on first use by -v; the container's root is the user itself on the host.
  auto writer =
      skiff({"run", "--rm", "--network", "none", "-u", "0", "-v", "shared:/data", image(), "echo kept > /data/file"});
  ASSERT_EQ(writer.exit_code, 0) << writer.err;
  EXPECT_EQ(owner_of(store() + "/volumes/shared/_data/file"), own_ids());
  auto reader = skiff({"run", "--rm", "--network", "none", "-v", "shared:/data:ro", image(),
                       "cat /data/file; touch /data/other 2>&1 || echo refused"});
  ASSERT_EQ(reader.exit_code, 0) << reader.err;
  EXPECT_EQ(reader.out, "kept\ntouch: /data/other: Read-only file system\nrefused\n");

  std::string id = run_detached("user", "sleep 1000", {"-v", "home:/home/app"});
  auto refused = skiff({"volume", "rm", "home"});
  EXPECT_EQ(refused.exit_code, 125);
  EXPECT_NE(refused.err.find("is being used by the following container(s): " + id), std::string::npos) << refused.err;
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "home\nshared\n");
  // Files of subordinate ids, removed from inside the user's namespace.
  auto forced = skiff({"volume", "rm", "-f", "home", "shared"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
  EXPECT_FALSE(path_exists(store() + "/volumes/home"));
  EXPECT_FALSE(path_exists(store() + "/volumes/shared"));
}

TEST_F(RootlessVolumes, ABindMountIsTheUsersOwnDirectory) {
  std::string dir = scratch() + "/shared";
  mkdir_all(dir);
  write_file(dir + "/from-host", "host\n");
  // The user's files are root's in the container, and what its root writes is the user's.
  auto run = skiff({"run", "--rm", "--network", "none", "-u", "0", "-v", dir + ":/shared", image(),
                    "stat -c '%u' /shared/from-host; cat /shared/from-host; echo container > /shared/from-container"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "0\nhost\n");
  EXPECT_EQ(read_file(dir + "/from-container"), "container\n");
  EXPECT_EQ(owner_of(dir + "/from-container"), own_ids());

  auto read_only = skiff({"run", "--rm", "--network", "none", "-u", "0", "-v", dir + ":/shared:ro", image(),
                          "cat /shared/from-container; rm /shared/from-host 2>/dev/null || echo refused"});
  ASSERT_EQ(read_only.exit_code, 0) << read_only.err;
  EXPECT_EQ(read_only.out, "container\nrefused\n");
  EXPECT_TRUE(path_exists(dir + "/from-host"));
  // A bind mount is no volume.
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "");

  auto missing = skiff({"run", "--rm", "--network", "none", "-v", scratch() + "/nonexistent:/data", image(), "true"});
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(missing.err.find("--volume"), std::string::npos) << missing.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

}  // namespace
}  // namespace skiff::rootless_testing
