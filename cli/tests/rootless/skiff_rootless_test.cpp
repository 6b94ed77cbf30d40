// Containers of an unprivileged user's `skiff`: they run rootless as podman's do, each command
// joining the user and mount namespaces one long-lived holder keeps, so a container one command
// made can be exec'd into, copied to, stopped and removed by the next. Networks: host,
// slirp4netns (the default) with published ports, pods; the holder replaced when it is gone.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "rootless_fixture.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"

namespace skiff::rootless_testing {
namespace {

TEST_F(RootlessContainers, RunRmPrintsTheOutputAndExitsWithTheCommandsCode) {
  auto run = skiff({"run", "--rm", "--network", "none", image(), "echo hi; id -un; exit 3"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(run.out, "hi\napp\n");
}

TEST_F(RootlessContainers, DetachedContainerLivesAcrossCommands) {
  auto run = skiff({"run", "-d", "--name", "web", "--network", "none", image(),
                    "echo started; trap 'exit 0' TERM; while true; do sleep 0.1; done"});
  ASSERT_TRUE(run.ok()) << run.err;
  EXPECT_EQ(status_of("web"), "running");
  EXPECT_TRUE(eventually([&] { return skiff({"logs", "web"}).out == "started\n"; }));

  // Each exec is a command of its own, joining the namespaces the run left.
  auto exec = skiff({"exec", "web", "sh", "-c", "echo $((6 * 7)) > /home/app/answer; cat /home/app/answer"});
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(exec.out, "42\n");

  auto stop = skiff({"stop", "web"});
  ASSERT_TRUE(stop.ok()) << stop.err;
  EXPECT_EQ(status_of("web"), "exited");

  auto start = skiff({"start", "web"});
  ASSERT_TRUE(start.ok()) << start.err;
  EXPECT_EQ(status_of("web"), "running");
  // The same rootfs, mounted again by this start: the exec's file is still there.
  auto again = skiff({"exec", "web", "cat", "/home/app/answer"});
  EXPECT_EQ(again.out, "42\n") << again.err;

  auto rm = skiff({"rm", "-f", "web"});
  ASSERT_TRUE(rm.ok()) << rm.err;
  EXPECT_EQ(skiff({"ps", "-a", "-q"}).out, "");
}

TEST_F(RootlessContainers, CopiesInAndOut) {
  auto run = skiff({"run", "-d", "--name", "box", "--network", "none", image(), "sleep 1000"});
  ASSERT_TRUE(run.ok()) << run.err;
  write_file(scratch() + "/in.txt", "from the host\n");
  auto cp_in = skiff({"cp", scratch() + "/in.txt", "box:/tmp/in.txt"});
  ASSERT_TRUE(cp_in.ok()) << cp_in.err;
  // The user's file is the container root's.
  EXPECT_EQ(skiff({"exec", "box", "stat", "-c", "%u:%g", "/tmp/in.txt"}).out, "0:0\n");
  EXPECT_EQ(skiff({"exec", "box", "cat", "/tmp/in.txt"}).out, "from the host\n");

  ASSERT_TRUE(skiff({"exec", "box", "sh", "-c", "echo from the container > /tmp/out.txt"}).ok());
  auto cp_out = skiff({"cp", "box:/tmp/out.txt", scratch() + "/out.txt"});
  ASSERT_TRUE(cp_out.ok()) << cp_out.err;
  EXPECT_EQ(read_file(scratch() + "/out.txt"), "from the container\n");
  // The copy belongs to the user, not to a subordinate id.
  EXPECT_EQ(owner_of(scratch() + "/out.txt"), own_ids());

  // ".." and symlinks resolve inside the rootfs: the user's files are neither written nor read.
  ASSERT_EQ(skiff({"exec", "box", "ln", "-s", "/../../../../../../etc", "/tmp/up"}).exit_code, 0);
  std::string marker = scratch() + "/escaped";
  auto escape_in = skiff({"cp", scratch() + "/in.txt", "box:/tmp/up/../../../../../.." + marker});
  EXPECT_FALSE(path_exists(marker)) << escape_in.err;
  auto escape_out = skiff({"cp", "box:/tmp/up/group", scratch() + "/group"});
  EXPECT_EQ(escape_out.exit_code, 0) << escape_out.err;
  EXPECT_EQ(read_file(scratch() + "/group"), skiff({"exec", "box", "cat", "/etc/group"}).out);
}

TEST_F(RootlessContainers, HostNetworkIsTheHostsNamespace) {
  auto run = skiff({"run", "--rm", "--network", "host", image(), "readlink /proc/self/ns/net"});
  ASSERT_TRUE(run.ok()) << run.err;
  EXPECT_EQ(run.out, std::filesystem::read_symlink("/proc/self/ns/net").string() + "\n");
}

TEST_F(RootlessContainers, BridgeIsRefusedWithWhatToUseInstead) {
  auto run = skiff({"run", "--rm", "--network", "bridge", image(), "true"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("the bridge network needs root"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--network slirp4netns"), std::string::npos) << run.err;
  EXPECT_EQ(skiff({"ps", "-a", "-q"}).out, "");
}

// What curl gets from url, retried (bounded) until something answers there.
std::string fetch(const std::string& url) {
  for (int i = 0; i < 100; ++i) {
    auto got = run_subprocess(SubprocessOptions{.args = {"curl", "-s", "--max-time", "2", url}});
    if (got.ok()) {
      return got.out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "<nothing answered at " + url + ">";
}

TEST_F(RootlessContainers, TheDefaultNetworkIsSlirp4netnsAndPublishesOnTheHost) {
  auto resolv = skiff({"run", "--rm", image(), "cat /etc/resolv.conf; ip -4 addr show tap0 | grep -o 'inet [0-9./]*'"});
  ASSERT_TRUE(resolv.ok()) << resolv.err;
  EXPECT_EQ(resolv.out, "nameserver 10.0.2.3\ninet 10.0.2.100/24\n");

  auto run = skiff({"run", "-d", "--name", "web", "-p", "127.0.0.1::8000", image(),
                    "mkdir -p /tmp/w && echo from-slirp > /tmp/w/index.html && exec httpd -f -p 8000 -h /tmp/w"});
  ASSERT_TRUE(run.ok()) << run.err;
  auto port = skiff({"port", "web", "8000/tcp"});
  ASSERT_TRUE(port.ok()) << port.err;
  EXPECT_EQ(fetch("http://" + std::string(trim(port.out)) + "/index.html"), "from-slirp\n");
  EXPECT_EQ(skiff({"inspect", "-f", "{{.HostConfig.NetworkMode}} {{.NetworkSettings.IPAddress}}", "web"}).out,
            "slirp4netns 10.0.2.100\n");
  ASSERT_TRUE(skiff({"rm", "-f", "web"}).ok());
}

// Each start of a container is a new network namespace with a slirp4netns of its own: the port
// stays published across restarts, the monitor's and the user's.
TEST_F(RootlessContainers, APublishedPortServesAgainAfterEachRestart) {
  // The first run fails; the monitor's restart (the same rootfs, so /tmp/ran is there) serves.
  std::string script =
      "[ -e /tmp/ran ] || { touch /tmp/ran; exit 1; }; mkdir -p /tmp/w && echo restarted > /tmp/w/index.html && "
      "exec httpd -f -p 8000 -h /tmp/w";
  auto run =
      skiff({"run", "-d", "--name", "web", "--restart", "on-failure:1", "-p", "127.0.0.1::8000", image(), script});
  ASSERT_TRUE(run.ok()) << run.err;
  std::string address(trim(skiff({"port", "web", "8000"}).out));
  std::string url = "http://" + address + "/index.html";
  ASSERT_TRUE(eventually([&] { return status_of("web") == "running" && inspect("web").at("RestartCount") == 1; }));
  EXPECT_EQ(fetch(url), "restarted\n");

  ASSERT_TRUE(skiff({"restart", "-t", "0", "web"}).ok());
  EXPECT_EQ(skiff({"port", "web", "8000"}).out, address + "\n");
  EXPECT_EQ(fetch(url), "restarted\n");
}

TEST_F(RootlessContainers, APodSharesLocalhostAndPublishesThroughSlirp4netns) {
  auto create = skiff({"pod", "create", "--name", "rp", "-p", "127.0.0.1::8000"});
  ASSERT_TRUE(create.ok()) << create.err;
  auto doc = boost::json::parse(skiff({"pod", "inspect", "rp"}).out).as_array().at(0).as_object();
  EXPECT_EQ(doc.at("InfraConfig").at("NetworkMode"), "slirp4netns");
  std::string url =
      "http://127.0.0.1:" +
      std::string(doc.at("InfraConfig").at("PortBindings").at("8000/tcp").at(0).at("HostPort").as_string()) +
      "/index.html";
  auto serve = skiff({"run", "-d", "--pod", "rp", "--name", "srv", image(),
                      "mkdir -p /tmp/w && echo from-the-pod > /tmp/w/index.html && exec httpd -f -p 8000 -h /tmp/w"});
  ASSERT_TRUE(serve.ok()) << serve.err;
  std::string fetch_localhost =
      "for i in $(seq 100); do wget -qO- http://localhost:8000/index.html && exit 0; sleep 0.1; done; exit 1";
  auto local = skiff({"run", "--rm", "--pod", "rp", image(), fetch_localhost});
  EXPECT_EQ(local.out, "from-the-pod\n") << local.err;
  EXPECT_EQ(fetch(url), "from-the-pod\n");

  ASSERT_TRUE(skiff({"pod", "stop", "-t", "0", "rp"}).ok());
  EXPECT_EQ(status_of("srv"), "exited");
  ASSERT_TRUE(skiff({"pod", "start", "rp"}).ok());
  EXPECT_EQ(fetch(url), "from-the-pod\n");

  auto rm = skiff({"pod", "rm", "-f", "rp"});
  ASSERT_TRUE(rm.ok()) << rm.err;
  EXPECT_EQ(skiff({"pod", "ps", "-q"}).out, "");
  std::string pods = run_root() + "/pods";
  EXPECT_TRUE(!path_exists(pods) || std::filesystem::is_empty(pods)) << "pod state left in " << pods;
}

TEST_F(RootlessContainers, AHolderThatIsGoneIsReplaced) {
  ASSERT_TRUE(skiff({"ps"}).ok());
  auto [first, first_start] = recorded_holder(run_root());
  ASSERT_TRUE(skiff({"ps"}).ok());
  EXPECT_EQ(recorded_holder(run_root()).first, first) << "one holder for every command";

  // Started by this suite's skiff: ours to end, as a reboot would.
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return holders_of_this_suite().empty(); }));
  auto run = skiff({"run", "--rm", "--network", "none", image(), "echo ok"});
  EXPECT_EQ(run.out, "ok\n") << run.err;
  auto [second, second_start] = recorded_holder(run_root());
  EXPECT_NE(std::make_pair(second, second_start), std::make_pair(first, first_start));
  EXPECT_EQ(holders_of_this_suite(), std::vector<pid_t>{second});
}

}  // namespace
}  // namespace skiff::rootless_testing
