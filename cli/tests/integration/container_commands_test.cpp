// The commands on existing containers: exec, cp, inspect, top, stats, port, kill, restart, start,
// and the `skiff container` group.
#include <filesystem>
#include <regex>

#include "container_cli_fixture.h"
#include "pty_session.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::cli_testing {
namespace {

TEST_F(ContainerCli, ExecRunsInTheContainerWithItsOptions) {
  run_detached("box", "sleep 1000");
  auto plain = skiff({"exec", "box", "sh", "-c", "echo $(id -un) $(pwd); exit 4"});
  EXPECT_EQ(plain.code, 4) << plain.err;
  EXPECT_EQ(plain.out, "app /home/app\n");
  auto options = skiff(
      {"exec", "-u", "root", "-e", "GREETING=hi", "-w", "/tmp", "box", "sh", "-c", "echo $GREETING $(id -un) $(pwd)"});
  EXPECT_EQ(options.code, 0) << options.err;
  EXPECT_EQ(options.out, "hi root /tmp\n");
  auto input = skiff({"exec", "-i", "box", "sh", "-c", "read line; echo got $line"}, std::string("typed\n"));
  EXPECT_EQ(input.out, "got typed\n") << input.err;
  auto missing = skiff({"exec", "box", "nosuchcommand"});
  EXPECT_EQ(missing.code, 127) << missing.err;
  EXPECT_NE(missing.err.find("nosuchcommand"), std::string::npos) << missing.err;
  auto stopped = skiff({"exec", "ghost", "true"});
  EXPECT_EQ(stopped.code, 125);
}

TEST_F(ContainerCli, ExecWithATerminalFollowsResizesAndCtrlC) {
  run_detached("box", "sleep 1000");
  PtySession session(skiff_command({"exec", "-it", "box", "sh", "-c",
                                    "test -t 0 && echo is-a-tty; while read x; do [ \"$x\" = q ] && break; stty size; "
                                    "done; trap 'echo caught; exit 9' INT; echo ready; while :; do sleep 1; done"}),
                     30, 100);
  ASSERT_TRUE(session.read_until("is-a-tty")) << session.output();
  session.type("\r");
  EXPECT_TRUE(session.read_until("30 100")) << session.output();
  session.resize(44, 144);
  bool resized = eventually([&] {
    session.type("\r");
    return session.read_until("44 144");
  });
  EXPECT_TRUE(resized) << session.output();
  session.type("q\r");
  ASSERT_TRUE(session.read_until("ready")) << session.output();
  session.type("\x03");
  EXPECT_TRUE(session.read_until("caught")) << session.output();
  EXPECT_EQ(session.wait(), 9) << session.output();
  auto plain = skiff({"exec", "-t", "box", "sh", "-c", "test -t 1 && echo on-a-tty"});
  EXPECT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out, "on-a-tty\r\n");
}

TEST_F(ContainerCli, CopyBothWaysStaysInsideTheContainer) {
  run_detached("box", "sleep 1000");
  write_file(scratch() + "/in.txt", "from the host\n");
  auto in = skiff({"cp", scratch() + "/in.txt", "box:/tmp/in.txt"});
  EXPECT_EQ(in.code, 0) << in.err;
  EXPECT_EQ(skiff({"exec", "box", "cat", "/tmp/in.txt"}).out, "from the host\n");

  auto out = skiff({"cp", "box:/etc/passwd", scratch() + "/passwd"});
  EXPECT_EQ(out.code, 0) << out.err;
  EXPECT_NE(read_file(scratch() + "/passwd").find("app:x:1000:1000"), std::string::npos);

  // ".." and symlinks resolve inside the rootfs: the host's files are neither read nor written.
  ASSERT_EQ(skiff({"exec", "-u", "root", "box", "ln", "-s", "/../../../../../../etc", "/tmp/up"}).code, 0);
  std::string marker = scratch() + "/escaped";
  auto escape_in = skiff({"cp", scratch() + "/in.txt", "box:/tmp/up/../../../../../.." + marker});
  EXPECT_FALSE(path_exists(marker)) << escape_in.err;
  auto escape_out = skiff({"cp", "box:/tmp/up/group", scratch() + "/group"});
  EXPECT_EQ(escape_out.code, 0) << escape_out.err;
  // The container's /etc/group, not the host's.
  EXPECT_EQ(read_file(scratch() + "/group"), skiff({"exec", "box", "cat", "/etc/group"}).out);
  auto both = skiff({"cp", "box:/etc/passwd", "box:/tmp/x"});
  EXPECT_EQ(both.code, 125);
  EXPECT_NE(both.err.find("between containers"), std::string::npos) << both.err;
}

TEST_F(ContainerCli, InspectAContainerElseAnImage) {
  std::string id = run_detached("box", "sleep 1000", {"--label", "team=skiff", "--hostname", "boxhost"});
  auto doc = inspect("box");
  EXPECT_EQ(doc.at("Id").as_string(), id);
  EXPECT_EQ(doc.at("Name").as_string(), "box");
  EXPECT_EQ(doc.at("State").at("Status").as_string(), "running");
  EXPECT_EQ(doc.at("Config").at("Labels").at("team").as_string(), "skiff");
  EXPECT_EQ(doc.at("Config").at("Hostname").as_string(), "boxhost");

  auto image_doc = inspect(image());
  EXPECT_TRUE(image_doc.contains("RepoTags")) << boost::json::serialize(image_doc);
  auto container_only = skiff({"container", "inspect", image()});
  EXPECT_EQ(container_only.code, 125);
  auto neither = skiff({"inspect", "ghost"});
  EXPECT_EQ(neither.code, 125);
  EXPECT_NE(neither.err.find("no such object"), std::string::npos) << neither.err;
}

TEST_F(ContainerCli, TopStatsKillRestartAndTheContainerGroup) {
  std::string id = run_detached("box", "sleep 1000", {"--memory", "64m", "--pids-limit", "50", "--cpus", "0.5"});
  auto top = skiff({"top", "box"});
  EXPECT_EQ(top.code, 0) << top.err;
  EXPECT_TRUE(std::regex_search(top.out, std::regex("USER +PID +PPID +COMMAND\n1000 +[0-9]+ +[0-9]+ +sleep 1000\n")))
      << top.out;
  auto stats = skiff({"stats", "--no-stream", "box"});
  EXPECT_EQ(stats.code, 0) << stats.err;
  EXPECT_TRUE(std::regex_search(stats.out, std::regex(id.substr(0, 12) + " +box +[0-9.]+% +[0-9.]+ [kMG]?B / 67.1 MB")))
      << stats.out;
  auto doc = inspect("box");
  EXPECT_EQ(doc.at("HostConfig").at("Memory").as_int64(), 64 << 20);

  auto listed = skiff({"container", "ls", "-q"});
  EXPECT_EQ(listed.out, id.substr(0, 12) + "\n");
  auto restart = skiff({"container", "restart", "-t", "0", "box"});
  EXPECT_EQ(restart.code, 0) << restart.err;
  EXPECT_EQ(restart.out, id + "\n");
  EXPECT_EQ(inspect("box").at("State").at("Status").as_string(), "running");

  auto kill = skiff({"kill", "-s", "TERM", "box"});
  EXPECT_EQ(kill.code, 0) << kill.err;
  // sh ignores SIGTERM as pid 1 without a handler; KILL ends it.
  EXPECT_EQ(skiff({"kill", "box"}).code, 0);
  EXPECT_EQ(skiff({"wait", "box"}).out, "137\n");
  auto dead = skiff({"kill", "box"});
  EXPECT_EQ(dead.code, 125);
  EXPECT_NE(dead.err.find("not running"), std::string::npos) << dead.err;
  auto bad_signal = skiff({"kill", "-s", "SIGNOPE", "box"});
  EXPECT_EQ(bad_signal.code, 125);

  auto start = skiff({"start", "box"});
  EXPECT_EQ(start.code, 0) << start.err;
  EXPECT_EQ(start.out, "box\n");
  EXPECT_EQ(inspect("box").at("State").at("Status").as_string(), "running");
}

TEST_F(ContainerCli, PortListsNothingWithoutPublishedPorts) {
  run_detached("box", "sleep 1000");
  auto port = skiff({"port", "box"});
  EXPECT_EQ(port.code, 0) << port.err;
  EXPECT_EQ(port.out, "");
  EXPECT_EQ(skiff({"port", "box", "80"}).code, 125);
}

}  // namespace
}  // namespace skiff::cli_testing
