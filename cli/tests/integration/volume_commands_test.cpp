// skiff volume create/ls/inspect/rm/prune through the binary, and named volumes mounted by run.

#include <gtest/gtest.h>

#include "container_cli_fixture.h"
#include "skiff/base/file.h"

namespace skiff::cli_testing {
namespace {

using VolumeCli = ContainerCli;

TEST_F(VolumeCli, CreateListInspectRemove) {
  auto made = skiff({"volume", "create", "--label", "app=web", "webdata"});
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_EQ(made.out, "webdata\n");
  auto unnamed = skiff({"volume", "create"});
  ASSERT_EQ(unnamed.code, 0) << unnamed.err;
  EXPECT_EQ(unnamed.out.size(), 65U) << unnamed.out;  // 64 hex digits and a newline

  auto ls = skiff({"volume", "ls", "-q"});
  EXPECT_EQ(ls.out, unnamed.out + "webdata\n");
  EXPECT_NE(skiff({"volume", "ls"}).out.find("local       webdata"), std::string::npos);

  auto inspected = skiff({"volume", "inspect", "webdata"});
  ASSERT_EQ(inspected.code, 0) << inspected.err;
  auto doc = boost::json::parse(inspected.out).as_array().at(0).as_object();
  EXPECT_EQ(doc.at("Name"), "webdata");
  EXPECT_EQ(doc.at("Driver"), "local");
  EXPECT_EQ(std::string(doc.at("Mountpoint").as_string()), store_dir() + "/volumes/webdata/_data");
  EXPECT_EQ(doc.at("Labels").as_object().at("app"), "web");

  auto again = skiff({"volume", "create", "webdata"});
  EXPECT_EQ(again.code, 125);
  EXPECT_NE(again.err.find("volume with name webdata already exists"), std::string::npos) << again.err;
  auto bad = skiff({"volume", "create", "../up"});
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("invalid volume name \"../up\""), std::string::npos) << bad.err;

  auto missing = skiff({"volume", "rm", "webdata", "nosuch"});
  EXPECT_EQ(missing.code, 125);
  EXPECT_NE(missing.err.find("no such volume nosuch"), std::string::npos) << missing.err;
  EXPECT_TRUE(path_exists(store_dir() + "/volumes/webdata")) << "rm removed some names before failing";

  auto removed = skiff({"volume", "rm", "webdata"});
  ASSERT_EQ(removed.code, 0) << removed.err;
  EXPECT_EQ(removed.out, "webdata\n");
  EXPECT_EQ(skiff({"volume", "prune"}).out, unnamed.out);
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "");
}

TEST_F(VolumeCli, ANamedVolumeOutlivesItsContainersAndIsGuardedWhileUsed) {
  // Made on first use by run -v, then read by a second container.
  // The test image's entrypoint is /bin/sh -c: the command is a script. As root: /data is not in
  // the image, so the new volume starts empty and root's.
  auto writer =
      skiff({"run", "--rm", "--network", "none", "-u", "0", "-v", "shared:/data", image(), "echo kept > /data/file"});
  ASSERT_EQ(writer.code, 0) << writer.err;
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "shared\n");
  auto reader = skiff({"run", "--rm", "--network", "none", "-v", "shared:/data:ro", image(), "cat /data/file"});
  ASSERT_EQ(reader.code, 0) << reader.err;
  EXPECT_EQ(reader.out, "kept\n");

  std::string id = run_detached("user", "sleep 1000", {"-v", "shared:/data"});
  auto refused = skiff({"volume", "rm", "shared"});
  EXPECT_EQ(refused.code, 125);
  EXPECT_NE(refused.err.find("is being used by the following container(s): " + id), std::string::npos) << refused.err;
  EXPECT_EQ(skiff({"volume", "prune"}).out, "");  // in use: kept
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "shared\n");

  auto forced = skiff({"volume", "rm", "-f", "shared"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
  EXPECT_FALSE(path_exists(store_dir() + "/volumes/shared"));

  auto bad = skiff({"run", "--rm", "--network", "none", "-v", "no/good:/data", image(), "true"});
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("invalid volume name"), std::string::npos) << bad.err;
}

TEST_F(VolumeCli, ANewVolumeIsFilledFromTheImageOnItsFirstMountOnly) {
  auto image_dir = skiff({"run", "--rm", "--network", "none", image(), "stat -c '%U %a' /home/app; ls -A /home/app"});
  ASSERT_EQ(image_dir.code, 0) << image_dir.err;
  ASSERT_EQ(skiff({"volume", "create", "home"}).code, 0);
  auto fresh = boost::json::parse(skiff({"volume", "inspect", "home"}).out).as_array().at(0).as_object();
  EXPECT_EQ(fresh.at("NeedsCopyUp"), true);

  // The image's /home/app, its owner and mode with it: the image's user can write to it.
  auto first = skiff({"run", "--rm", "--network", "none", "-v", "home:/home/app", image(),
                      "stat -c '%U %a' /home/app; ls -A /home/app; touch /home/app/mine"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(first.out, image_dir.out);
  auto used = boost::json::parse(skiff({"volume", "inspect", "home"}).out).as_array().at(0).as_object();
  EXPECT_EQ(used.at("NeedsCopyUp"), false);

  // Mounted where the image has other files, it keeps its own: no second copy-up.
  auto second = skiff({"run", "--rm", "--network", "none", "-v", "home:/etc", image(), "ls /etc"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.out.find("mine"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("passwd"), std::string::npos) << second.out;

  // A volume mounted where the image has nothing starts empty.
  auto empty = skiff({"run", "--rm", "--network", "none", "-v", "other:/nothing/here", image(), "ls -A /nothing/here"});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
  ASSERT_EQ(skiff({"volume", "rm", "home", "other"}).code, 0);
}

TEST_F(VolumeCli, AnAnonymousVolumeGoesWithItsContainerWhenAskedTo) {
  // --rm takes it away.
  auto once = skiff(
      {"run", "--rm", "--network", "none", "-u", "0", "-v", "/scratch", image(), "touch /scratch/x && ls /scratch"});
  ASSERT_EQ(once.code, 0) << once.err;
  EXPECT_EQ(once.out, "x\n");
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "");

  // Kept by rm, removed by rm -v; a named volume of the same container stays.
  std::string id = run_detached("keeper", "sleep 1000", {"-v", "/cache", "-v", "named:/named"});
  auto mounts = inspect("keeper").at("Mounts").as_array();
  ASSERT_EQ(mounts.size(), 2U);
  std::string anonymous(mounts[0].at("Name").as_string());
  EXPECT_EQ(anonymous.size(), 64U) << anonymous;
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, anonymous + "\nnamed\n");
  ASSERT_EQ(skiff({"rm", "-f", "-v", "keeper"}).code, 0);
  EXPECT_EQ(skiff({"volume", "ls", "-q"}).out, "named\n");
  ASSERT_EQ(skiff({"volume", "rm", "named"}).code, 0);
}

TEST_F(VolumeCli, CpGoesThroughVolumesAndBindMountsWhereTheContainerSeesThem) {
  mkdir_all(scratch() + "/bound");
  write_file(scratch() + "/bound/b.txt", "bound\n");
  write_file(scratch() + "/in.txt", "hello\n");
  run_detached("box", "sleep 1000", {"-u", "0", "-v", "vv:/data", "-v", scratch() + "/bound:/bind:ro"});

  ASSERT_EQ(skiff({"cp", scratch() + "/in.txt", "box:/data/in.txt"}).code, 0);
  ASSERT_EQ(skiff({"cp", scratch() + "/in.txt", "box:/data"}).code, 0);  // into the mount's root, by name
  EXPECT_EQ(skiff({"exec", "box", "cat", "/data/in.txt"}).out, "hello\n");
  auto mountpoint = store_dir() + "/volumes/vv/_data";
  EXPECT_EQ(read_file(mountpoint + "/in.txt"), "hello\n");

  auto refused = skiff({"cp", scratch() + "/in.txt", "box:/bind/x.txt"});
  EXPECT_EQ(refused.code, 125);
  EXPECT_NE(refused.err.find("/bind/x.txt is on a read-only mount"), std::string::npos) << refused.err;
  EXPECT_FALSE(path_exists(scratch() + "/bound/x.txt"));

  mkdir_all(scratch() + "/out");
  ASSERT_EQ(skiff({"cp", "box:/bind", scratch() + "/out"}).code, 0);  // the mount's tree keeps its name
  EXPECT_EQ(read_file(scratch() + "/out/bind/b.txt"), "bound\n");
  ASSERT_EQ(skiff({"cp", "box:/data/in.txt", scratch() + "/out/got.txt"}).code, 0);
  EXPECT_EQ(read_file(scratch() + "/out/got.txt"), "hello\n");

  // ".." leaves the mount for the rootfs, and stays inside that.
  ASSERT_EQ(skiff({"cp", scratch() + "/in.txt", "box:/data/../../../in-rootfs.txt"}).code, 0);
  EXPECT_EQ(skiff({"exec", "box", "cat", "/in-rootfs.txt"}).out, "hello\n");
  EXPECT_FALSE(path_exists(mountpoint + "/../in-rootfs.txt"));

  ASSERT_EQ(skiff({"rm", "-f", "box"}).code, 0);
  ASSERT_EQ(skiff({"volume", "rm", "vv"}).code, 0);
}

}  // namespace
}  // namespace skiff::cli_testing
