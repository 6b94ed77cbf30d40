// skiff run and create: detached and attached, --rm, exit codes, restart policies, -i, -it
// through a pty, a published port, and bad input that leaves nothing behind.
#include <unistd.h>

#include <regex>

#include "container_cli_fixture.h"
#include "pty_session.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"

namespace skiff::cli_testing {
namespace {

const std::regex container_id_line("[0-9a-f]{64}\n");

TEST_F(ContainerCli, RunDetachedThenPsLogsStopRm) {
  auto run = skiff({"run", "-d", "--name", "web", "--network", "none", image(), "echo out; echo err >&2; sleep 1000"});
  ASSERT_EQ(run.code, 0) << run.err;
  ASSERT_TRUE(std::regex_match(run.out, container_id_line)) << run.out;
  std::string id = run.out.substr(0, 64);

  auto ps = skiff({"ps"});
  ASSERT_EQ(ps.code, 0) << ps.err;
  auto lines = split(ps.out, '\n');
  ASSERT_GE(lines.size(), 2U) << ps.out;
  EXPECT_TRUE(std::regex_search(lines[0], std::regex("^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$")))
      << lines[0];
  EXPECT_TRUE(lines[1].starts_with(id.substr(0, 12) + "  " + image())) << lines[1];
  EXPECT_NE(lines[1].find("  Up "), std::string::npos) << lines[1];
  EXPECT_TRUE(lines[1].ends_with("web")) << lines[1];
  EXPECT_EQ(skiff({"ps", "-q"}).out, id.substr(0, 12) + "\n");

  auto json = boost::json::parse(skiff({"ps", "--format", "json"}).out).as_array();
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json[0].at("Id").as_string(), id);
  EXPECT_EQ(json[0].at("State").as_string(), "running");
  EXPECT_EQ(json[0].at("Names").at(0).as_string(), "web");
  // Go templates, as scripts use them with podman.
  EXPECT_EQ(skiff({"ps", "--format", "{{.Names}} {{.State}} {{.ID}}"}).out, "web running " + id.substr(0, 12) + "\n");
  auto table = skiff({"ps", "--format", "table {{.ID}}\\t{{.Names}}"});
  EXPECT_EQ(table.out, "CONTAINER ID  NAMES\n" + id.substr(0, 12) + "  web\n") << table.err;
  EXPECT_EQ(skiff({"inspect", "-f", "{{.State.Status}} {{.Name}} {{json .Config.Tty}}", "web"}).out,
            "running web false\n");
  auto bad_template = skiff({"ps", "--format", "{{.Nope}}"});
  EXPECT_EQ(bad_template.code, 125);
  EXPECT_NE(bad_template.err.find("can't evaluate field Nope"), std::string::npos) << bad_template.err;
  EXPECT_NE(skiff({"images", "--format", "{{.Repository}}:{{.Tag}}"}).out.find(image()), std::string::npos);

  // The CLI that ran it has exited: the monitor logged the output.
  ASSERT_TRUE(eventually([&] { return skiff({"logs", "web"}).out == "out\n"; })) << skiff({"logs", "web"}).out;
  auto logs = skiff({"logs", "web"});
  EXPECT_EQ(logs.err, "err\n");
  auto stamped = skiff({"logs", "-t", "--tail", "1", "web"});
  EXPECT_TRUE(
      std::regex_match(stamped.out + stamped.err, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (out|err)\n)")))
      << stamped.out << stamped.err;
  EXPECT_EQ(skiff({"logs", "--since", "2000-01-01T00:00:00Z", id.substr(0, 8)}).out, "out\n");

  auto stop = skiff({"stop", "-t", "1", "web"});
  EXPECT_EQ(stop.code, 0) << stop.err;
  EXPECT_EQ(stop.out, "web\n");
  EXPECT_EQ(skiff({"ps", "-q"}).out, "");
  auto exited = skiff({"ps", "-a"});
  EXPECT_NE(exited.out.find("Exited (137)"), std::string::npos) << exited.out;
  EXPECT_EQ(skiff({"ps", "-q", "--filter", "status=exited", "--filter", "name=^we"}).out, id.substr(0, 12) + "\n");
  EXPECT_EQ(skiff({"ps", "-q", "-f", "exited=137"}).out, id.substr(0, 12) + "\n");
  EXPECT_EQ(skiff({"ps", "-a", "-q", "-f", "name=nomatch"}).out, "");
  auto bad_filter = skiff({"ps", "-f", "colour=red"});
  EXPECT_EQ(bad_filter.code, 125);
  EXPECT_NE(bad_filter.err.find("--filter: unknown key \"colour\""), std::string::npos) << bad_filter.err;
  // Logs outlive the container's process.
  EXPECT_EQ(skiff({"logs", "web"}).out, "out\n");

  auto rm = skiff({"rm", "web"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  EXPECT_EQ(rm.out, "web\n");
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

TEST_F(ContainerCli, RunAttachedPrintsOutputAndRmLeavesNothing) {
  auto run = skiff({"run", "--rm", "--network", "none", image(), "echo hello; echo oops >&2; exit 3"});
  EXPECT_EQ(run.code, 3) << run.err;
  EXPECT_EQ(run.out, "hello\n");
  EXPECT_EQ(run.err, "oops\n");
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

TEST_F(ContainerCli, DetachedRmIsRemovedByItsMonitor) {
  run_detached("brief", "echo done", {"--rm"});
  EXPECT_TRUE(eventually([&] { return all_containers().empty(); }));
  std::string id = run_detached("stopped", "sleep 1000", {"--rm"});
  EXPECT_EQ(inspect("stopped").at("HostConfig").at("AutoRemove").as_bool(), true);
  EXPECT_EQ(skiff({"stop", "-t", "0", "stopped"}).out, "stopped\n");
  EXPECT_TRUE(eventually([&] { return all_containers().empty(); }));
  // Its name is free again.
  run_detached("stopped", "true", {"--rm"});
  EXPECT_TRUE(eventually([&] { return all_containers().empty(); }));
}

TEST_F(ContainerCli, RunPullsAMissingImageAndCreateDoesNotStart) {
  auto rmi = skiff({"rmi", image()});
  ASSERT_EQ(rmi.code, 0) << rmi.err;
  auto run = skiff({"run", "--rm", "--network", "none", "--tls-verify=false", image(), "echo pulled"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "pulled\n");
  EXPECT_NE(run.err.find("Trying to pull " + image()), std::string::npos) << run.err;

  auto create = skiff({"create", "--name", "later", "--network", "none", image(), "echo started later"});
  ASSERT_EQ(create.code, 0) << create.err;
  EXPECT_TRUE(std::regex_match(create.out, container_id_line)) << create.out;
  EXPECT_NE(skiff({"ps", "-a"}).out.find("Created"), std::string::npos);
  auto start = skiff({"start", "-a", "later"});
  EXPECT_EQ(start.code, 0) << start.err;
  EXPECT_EQ(start.out, "started later\n");
  // Once start -a (or run) has returned, the container has stopped: rm needs no -f.
  auto rm = skiff({"rm", "later"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  auto run_then_rm = skiff({"run", "--name", "brief", "--network", "none", image(), "exit 0"});
  EXPECT_EQ(run_then_rm.code, 0) << run_then_rm.err;
  EXPECT_EQ(skiff({"rm", "brief"}).out, "brief\n");
}

TEST_F(ContainerCli, ExitCodesAsPodmans) {
  auto missing = skiff({"run", "--rm", "--network", "none", "--entrypoint", "nosuchcommand", image()});
  EXPECT_EQ(missing.code, 127) << missing.err;
  EXPECT_NE(missing.err.find("nosuchcommand"), std::string::npos) << missing.err;
  auto not_executable = skiff({"run", "--rm", "--network", "none", "--entrypoint", "/etc/passwd", image()});
  EXPECT_EQ(not_executable.code, 126) << not_executable.err;
  EXPECT_NE(not_executable.err.find("permission denied"), std::string::npos) << not_executable.err;
  auto own = skiff({"run", "--rm", "--network", "none", image(), "exit 42"});
  EXPECT_EQ(own.code, 42);
  auto skiffs = skiff({"run", "--rm", "--network", "none", "--memory", "lots", image(), "true"});
  EXPECT_EQ(skiffs.code, 125);
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

TEST_F(ContainerCli, EachRestartPolicy) {
  run_detached("capped", "echo run; exit 1", {"--restart", "on-failure:2"});
  run_detached("succeeds", "echo run; exit 0", {"--restart", "on-failure"});
  run_detached("never", "echo run; exit 1", {"--restart", "no"});
  for (const auto& name : {"capped", "succeeds", "never"}) {
    EXPECT_EQ(skiff({"wait", name}).code, 0);
  }
  EXPECT_EQ(inspect("capped").at("RestartCount").as_int64(), 2);
  EXPECT_EQ(skiff({"logs", "capped"}).out, "run\nrun\nrun\n");
  EXPECT_EQ(inspect("succeeds").at("RestartCount").as_int64(), 0);
  EXPECT_EQ(inspect("never").at("RestartCount").as_int64(), 0);
  EXPECT_EQ(skiff({"wait", "capped"}).out, "1\n");

  run_detached("forever", "echo run; sleep 0.2", {"--restart", "always"});
  EXPECT_TRUE(eventually([&] { return inspect("forever").at("RestartCount").as_int64() >= 2; }));
  EXPECT_EQ(skiff({"stop", "-t", "1", "forever"}).code, 0);
  // Stopped by the user: not restarted any more.
  auto count = inspect("forever").at("RestartCount").as_int64();
  EXPECT_EQ(inspect("forever").at("State").at("Status").as_string(), "exited");
  EXPECT_EQ(skiff({"wait", "forever"}).code, 0);
  EXPECT_EQ(inspect("forever").at("RestartCount").as_int64(), count);
}

TEST_F(ContainerCli, InteractiveStreamsStdin) {
  auto run = skiff({"run", "--rm", "-i", "--network", "none", image(), "read first; echo got $first; cat"},
                   std::string("one\ntwo\nthree\n"));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "got one\ntwo\nthree\n");
}

TEST_F(ContainerCli, RunItGivesATerminalWithResizesAndCtrlC) {
  PtySession session(skiff_command({"run", "--rm", "-it", "--network", "none", image(),
                                    "test -t 0 && echo is-a-tty; while read x; do [ \"$x\" = q ] && break; "
                                    "stty size; done; trap 'echo caught; exit 9' INT; echo ready; "
                                    "while :; do sleep 1; done"}),
                     40, 120);
  ASSERT_TRUE(session.read_until("is-a-tty")) << session.output();
  session.type("\r");
  EXPECT_TRUE(session.read_until("40 120")) << session.output();
  session.resize(50, 132);
  // Enter until the new size shows: the resize and the keys travel separately.
  bool resized = eventually([&] {
    session.type("\r");
    return session.read_until("50 132");
  });
  EXPECT_TRUE(resized) << session.output();
  session.type("q\r");
  ASSERT_TRUE(session.read_until("ready")) << session.output();
  session.type("\x03");  // Ctrl-C, as a user presses it: the container's terminal makes it SIGINT
  EXPECT_TRUE(session.read_until("caught")) << session.output();
  EXPECT_EQ(session.wait(), 9) << session.output();
}

TEST_F(ContainerCli, APublishedPortServesHttpInsideANetworkNamespace) {
  std::string serve = " 'mkdir -p /tmp/www && echo $0 > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www'";
  auto result = run_in_own_network("skiff run -d --name web -u root -p 18080:80 " + image() + serve +
                                   " served >/dev/null\n" + "skiff run -d --name any -u root -p 127.0.0.1::80 " +
                                   image() + serve + " any-port >/dev/null\n" +
                                   "fetch http://$(skiff port any 80/tcp)/index.html\n"
                                   "skiff rm -f any >/dev/null\n"
                                   "skiff port web\n"
                                   "fetch http://127.0.0.1:18080/index.html\n"
                                   "skiff rm -f web >/dev/null\n");
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "any-port\n80/tcp -> 0.0.0.0:18080\nserved\n") << result.err;
}

TEST_F(ContainerCli, BadInputFailsLikePodmanAndLeavesNothing) {
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"--memory", "12zz"}, "--memory"},
      {{"--restart", "sometimes"}, "--restart"},
      {{"--publish", "99999:80"}, "--publish"},
      {{"--network", "moon"}, "--network"},
      {{"--cpus", "-1"}, "--cpus"},
      {{"--security-opt", "seccomp=/nonexistent.json"}, "seccomp profile"},
      {{"-v", "/nonexistent-dir:/data"}, "--volume"},
      {{"--frobnicate"}, "unknown flag: --frobnicate"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"run", "--rm"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    args.push_back(image());
    args.emplace_back("true");
    auto run = skiff(args);
    EXPECT_EQ(run.code, 125) << c.flags.front();
    EXPECT_TRUE(run.err.starts_with("Error: ")) << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
  }
  auto unknown = skiff({"run", "--rm", "--tls-verify=false", registry->host() + "/no/such:image", "true"});
  EXPECT_EQ(unknown.code, 125);
  EXPECT_NE(unknown.err.find("Error: pull " + registry->host() + "/no/such:image"), std::string::npos) << unknown.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});

  std::string id = run_detached("taken", "sleep 1000");
  auto again = skiff({"run", "-d", "--name", "taken", "--network", "none", image(), "true"});
  EXPECT_EQ(again.code, 125);
  EXPECT_NE(again.err.find("taken"), std::string::npos) << again.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{id});

  auto rm_running = skiff({"rm", "taken"});
  EXPECT_EQ(rm_running.code, 2);
  EXPECT_NE(rm_running.err.find("as it is running"), std::string::npos) << rm_running.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{id});
  auto rm_missing = skiff({"rm", "ghost"});
  EXPECT_EQ(rm_missing.code, 1);
  EXPECT_EQ(rm_missing.err, "Error: no container with name or ID \"ghost\" found: no such container\n");
  EXPECT_EQ(skiff({"stop", "ghost"}).code, 125);
  EXPECT_EQ(skiff({"rm", "-f", "taken"}).out, "taken\n");
}

}  // namespace
}  // namespace skiff::cli_testing
