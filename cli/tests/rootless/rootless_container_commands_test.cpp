// The commands on containers, each a `skiff` of its own run by the unprivileged user as it would
// type them: -it and exec -it through a pty, -i and exec -i streaming stdin, inspect, top, stats,
// kill, wait, restart, stop -t, port, restart policies the monitor carries out, logs after the CLI
// has exited, and bad input that leaves nothing behind.
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "pty_session.h"
#include "rootless_fixture.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/cgroups/own_cgroup.h"

namespace skiff::rootless_testing {
namespace {

using cli_testing::PtySession;

// Run on a terminal: says whether stdin is one, prints the window size at each Enter until "q",
// then waits for Ctrl-C and exits 9.
const std::string terminal_script =
    "test -t 0 && echo is-a-tty; while read x; do [ \"$x\" = q ] && break; stty size; done; "
    "trap 'echo caught; exit 9' INT; echo ready; while :; do sleep 1; done";

// A user at session's terminal (opened 40x120): the size the process sees, a resize, Ctrl-C.
void use_the_terminal(PtySession& session) {
  ASSERT_TRUE(session.read_until("is-a-tty")) << session.output();
  session.type("\r");
  EXPECT_TRUE(session.read_until("40 120")) << session.output();
  session.resize(50, 132);
  // Enter until the new size shows: the resize and the keys travel separately.
  EXPECT_TRUE(eventually([&] {
    session.type("\r");
    return session.read_until("50 132");
  })) << session.output();
  session.type("q\r");
  ASSERT_TRUE(session.read_until("ready")) << session.output();
  session.type("\x03");  // Ctrl-C, as a user presses it: the container's terminal makes it SIGINT
  EXPECT_TRUE(session.read_until("caught")) << session.output();
  EXPECT_EQ(session.wait(), 9) << session.output();
}

TEST_F(RootlessContainers, RunItGivesATerminalWithResizesAndCtrlC) {
  PtySession session(skiff_command({"run", "--rm", "-it", "--network", "none", image(), terminal_script}), 40, 120);
  use_the_terminal(session);
}

TEST_F(RootlessContainers, ExecWithATerminalWithStdinAndWithOptions) {
  run_detached("box", "sleep 1000");
  PtySession session(skiff_command({"exec", "-it", "box", "sh", "-c", terminal_script}), 40, 120);
  use_the_terminal(session);

  auto tty = skiff({"exec", "-t", "box", "sh", "-c", "test -t 1 && echo on-a-tty"});
  EXPECT_EQ(tty.exit_code, 0) << tty.err;
  EXPECT_EQ(tty.out, "on-a-tty\r\n");
  auto input = skiff({"exec", "-i", "box", "sh", "-c", "read line; echo got $line; cat"}, "typed\nmore\n");
  EXPECT_EQ(input.exit_code, 0) << input.err;
  EXPECT_EQ(input.out, "got typed\nmore\n");
  // Without -i the process reads nothing, as podman's.
  auto closed = skiff({"exec", "box", "cat"}, "ignored\n");
  EXPECT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_EQ(closed.out, "");

  auto options = skiff(
      {"exec", "-u", "root", "-e", "GREETING=hi", "-w", "/tmp", "box", "sh", "-c", "echo $GREETING $(id -un) $(pwd)"});
  EXPECT_EQ(options.exit_code, 0) << options.err;
  EXPECT_EQ(options.out, "hi root /tmp\n");
  auto missing = skiff({"exec", "box", "nosuchcommand"});
  EXPECT_EQ(missing.exit_code, 127) << missing.err;
  EXPECT_NE(missing.err.find("nosuchcommand"), std::string::npos) << missing.err;
  EXPECT_EQ(skiff({"exec", "ghost", "true"}).exit_code, 125);
}

TEST_F(RootlessContainers, RunInteractiveStreamsStdin) {
  auto run = skiff({"run", "--rm", "-i", "--network", "none", image(), "read first; echo got $first; cat"},
                   "one\ntwo\nthree\n");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "got one\ntwo\nthree\n");

  // Binary, and more than any pipe holds: every byte value, 1 MiB, through and back unchanged.
  std::string bytes;
  for (int i = 0; i < (1 << 20); ++i) {
    bytes.push_back(static_cast<char>(i % 256));
  }
  auto echoed = skiff({"run", "--rm", "-i", "--network", "none", image(), "cat"}, bytes);
  EXPECT_EQ(echoed.exit_code, 0) << echoed.err;
  EXPECT_TRUE(echoed.out == bytes) << echoed.out.size() << " bytes back of " << bytes.size();
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

// The Uid: line of /proc/<pid>/status: real, effective, saved and filesystem uid.
std::string uids_of(int64_t pid) {
  for (const auto& line : split(read_file("/proc/" + std::to_string(pid) + "/status"), '\n')) {
    if (line.starts_with("Uid:")) {
      return std::string(trim(line.substr(4)));
    }
  }
  return {};
}

TEST_F(RootlessContainers, InspectAsJsonAndThroughATemplate) {
  std::string id = run_detached("box", "sleep 1000", {"--label", "team=skiff", "--hostname", "boxhost"});
  auto doc = inspect("box");
  EXPECT_EQ(doc.at("Id").as_string(), id);
  EXPECT_EQ(doc.at("Name").as_string(), "box");
  EXPECT_EQ(doc.at("State").at("Status").as_string(), "running");
  EXPECT_EQ(doc.at("Config").at("Labels").at("team").as_string(), "skiff");
  EXPECT_EQ(doc.at("Config").at("Hostname").as_string(), "boxhost");
  EXPECT_EQ(doc.at("HostConfig").at("NetworkMode").as_string(), "none");
  EXPECT_TRUE(std::string_view(doc.at("StateDir").as_string()).starts_with(run_root() + "/")) << doc;
  // The pid as the host sees it: the image's user app (1000) is subuid start + 999 there.
  std::string app = std::to_string(range_of("/etc/subuid").start + 999);
  EXPECT_EQ(uids_of(doc.at("State").at("Pid").as_int64()), app + "\t" + app + "\t" + app + "\t" + app);

  auto formatted =
      skiff({"inspect", "--format", "{{.State.Status}} {{.Name}} {{.Config.Hostname}} {{json .Config.Tty}}", "box"});
  EXPECT_EQ(formatted.exit_code, 0) << formatted.err;
  EXPECT_EQ(formatted.out, "running box boxhost false\n");
  EXPECT_EQ(skiff({"container", "inspect", "-f", "{{.Id}}", id.substr(0, 12)}).out, id + "\n");

  // Not a container: an image, as podman's inspect falls back.
  auto image_doc = boost::json::parse(skiff({"inspect", image()}).out).as_array().at(0).as_object();
  EXPECT_EQ(image_doc.at("RepoTags"), (boost::json::array{image()}));
  EXPECT_EQ(skiff({"container", "inspect", image()}).exit_code, 125);
  auto neither = skiff({"inspect", "ghost"});
  EXPECT_EQ(neither.exit_code, 125);
  EXPECT_NE(neither.err.find("no such object"), std::string::npos) << neither.err;
  auto bad_template = skiff({"inspect", "-f", "{{.Nope}}", "box"});
  EXPECT_EQ(bad_template.exit_code, 125);
  EXPECT_NE(bad_template.err.find("can't evaluate field Nope"), std::string::npos) << bad_template.err;
}

// Whether this user's containers get a cgroup of their own: only on cgroup v2, and only where the
// user may write the directory the runtime makes theirs in (the parent of the caller's own cgroup,
// delegated by systemd's Delegate=yes); podman's rootless stats need the same.
bool containers_get_a_cgroup() {
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
    return false;
  }
  auto own = cgroups::own_cgroups();
  auto mounts = cgroups::cgroup_mounts();
  std::string base = cgroups::own_dir(mounts.at("unified"), cgroups::v2_relative_base(own.at("unified")));
  return ::access(base.c_str(), W_OK) == 0;
}

TEST_F(RootlessContainers, TopListsTheProcessesAndStatsNeedsADelegatedCgroup) {
  std::string id = run_detached("box", "sleep 1000", {"--memory", "64m"});
  // Until sh has exec'd sleep, top shows sh.
  std::regex listing("USER +PID +PPID +COMMAND\n1000 +[0-9]+ +[0-9]+ +sleep 1000\n");
  SubprocessResult top;
  EXPECT_TRUE(eventually([&] {
    top = skiff({"top", "box"});
    return top.exit_code == 0 && std::regex_match(top.out, listing);
  })) << top.describe()
      << ": " << top.out << top.err;

  auto stats = skiff({"stats", "--no-stream", "box"});
  if (containers_get_a_cgroup()) {
    EXPECT_EQ(stats.exit_code, 0) << stats.err;
    EXPECT_TRUE(
        std::regex_search(stats.out, std::regex(id.substr(0, 12) + " +box +[0-9.]+% +[0-9.]+ [kMG]?B / 67.1 MB")))
        << stats.out;
  } else {
    // No cgroup to read figures from (cgroup v1, or nothing delegated): a clear error, not zeros.
    EXPECT_EQ(stats.exit_code, 125) << stats.out;
    EXPECT_EQ(stats.out, "");
    EXPECT_TRUE(stats.err.starts_with("Error: ")) << stats.err;
    EXPECT_NE(stats.err.find("it has no cgroup: a rootless container gets one only where the user has a delegated"),
              std::string::npos)
        << stats.err;
  }
  auto stopped = skiff({"top", "ghost"});
  EXPECT_EQ(stopped.exit_code, 125);
}

TEST_F(RootlessContainers, KillWaitRestartAndStopWithATimeout) {
  std::string id = run_detached("box", "sleep 1000");
  // sleep is pid 1 of the container's pid namespace: a signal it has no handler for (TERM) is
  // ignored, KILL ends it.
  auto term = skiff({"kill", "-s", "TERM", "box"});
  EXPECT_EQ(term.exit_code, 0) << term.err;
  EXPECT_EQ(term.out, "box\n");
  EXPECT_EQ(status_of("box"), "running");
  EXPECT_EQ(skiff({"kill", "-s", "KILL", "box"}).exit_code, 0);
  auto wait = skiff({"wait", "box"});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
  EXPECT_EQ(wait.out, "137\n");
  auto dead = skiff({"kill", "box"});
  EXPECT_EQ(dead.exit_code, 125);
  EXPECT_NE(dead.err.find("not running"), std::string::npos) << dead.err;
  EXPECT_EQ(skiff({"kill", "-s", "SIGNOPE", "box"}).exit_code, 125);

  // restart starts an exited container as well as a running one: a new process each time.
  auto restart = skiff({"restart", "-t", "0", "box"});
  EXPECT_EQ(restart.exit_code, 0) << restart.err;
  EXPECT_EQ(restart.out, id + "\n");
  EXPECT_EQ(status_of("box"), "running");
  auto first_pid = inspect("box").at("State").at("Pid").as_int64();
  ASSERT_EQ(skiff({"restart", "-t", "0", "box"}).exit_code, 0);
  EXPECT_EQ(status_of("box"), "running");
  EXPECT_NE(inspect("box").at("State").at("Pid").as_int64(), first_pid);

  // stop -t: SIGTERM, then SIGKILL once the time is up. A process that ignores TERM is killed.
  auto stop = skiff({"stop", "-t", "1", "box"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "box\n");
  EXPECT_EQ(inspect("box").at("State").at("ExitCode").as_int64(), 137);
  // One that handles it exits by itself, with its own code.
  run_detached("polite", "trap 'echo hup' HUP; trap 'exit 7' TERM; echo trapping; while :; do sleep 0.1; done");
  ASSERT_TRUE(eventually([&] { return skiff({"logs", "polite"}).out == "trapping\n"; }));
  // kill -s delivers the signal named to the container's process.
  ASSERT_EQ(skiff({"kill", "-s", "HUP", "polite"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return skiff({"logs", "polite"}).out == "trapping\nhup\n"; }));
  auto polite = skiff({"stop", "-t", "60", "polite"});
  EXPECT_EQ(polite.exit_code, 0) << polite.err;
  EXPECT_EQ(skiff({"wait", "polite"}).out, "7\n");
  EXPECT_EQ(skiff({"stop", "ghost"}).exit_code, 125);
}

TEST_F(RootlessContainers, PortListsWhatIsPublished) {
  auto run = skiff(
      {"run", "-d", "--name", "web", "-p", "127.0.0.1::8000", "-p", "127.0.0.1::9000/udp", image(), "sleep 1000"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto all = skiff({"port", "web"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_TRUE(
      std::regex_match(all.out, std::regex("8000/tcp -> 127\\.0\\.0\\.1:[0-9]+\n9000/udp -> 127\\.0\\.0\\.1:[0-9]+\n")))
      << all.out;
  auto one = skiff({"port", "web", "8000"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(all.out.find("8000/tcp -> " + one.out), std::string::npos) << one.out;
  auto unpublished = skiff({"port", "web", "80"});
  EXPECT_EQ(unpublished.exit_code, 125);
  EXPECT_NE(unpublished.err.find("\"80\""), std::string::npos) << unpublished.err;

  run_detached("box", "sleep 1000");
  auto none = skiff({"port", "box"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "");
}

TEST_F(RootlessContainers, RestartPoliciesAreCarriedOutByTheMonitor) {
  // The CLI that ran them has exited: each restart is the monitor's.
  run_detached("capped", "echo run; exit 1", {"--restart", "on-failure:2"});
  run_detached("succeeds", "echo run; exit 0", {"--restart", "on-failure"});
  run_detached("never", "echo run; exit 1", {"--restart", "no"});
  for (const auto& name : {"capped", "succeeds", "never"}) {
    EXPECT_EQ(skiff({"wait", name}).exit_code, 0) << name;
  }
  EXPECT_EQ(inspect("capped").at("RestartCount").as_int64(), 2);
  EXPECT_EQ(inspect("capped").at("HostConfig").at("RestartPolicy").at("MaximumRetryCount").as_int64(), 2);
  EXPECT_EQ(skiff({"logs", "capped"}).out, "run\nrun\nrun\n");
  EXPECT_EQ(skiff({"wait", "capped"}).out, "1\n");
  EXPECT_EQ(inspect("succeeds").at("RestartCount").as_int64(), 0);
  EXPECT_EQ(inspect("never").at("RestartCount").as_int64(), 0);

  run_detached("forever", "echo run; sleep 0.2", {"--restart", "always"});
  EXPECT_TRUE(eventually([&] { return inspect("forever").at("RestartCount").as_int64() >= 2; }));
  EXPECT_EQ(skiff({"stop", "-t", "1", "forever"}).exit_code, 0);
  // Stopped by the user: not restarted any more.
  auto count = inspect("forever").at("RestartCount").as_int64();
  EXPECT_EQ(inspect("forever").at("State").at("Status").as_string(), "exited");
  EXPECT_EQ(skiff({"wait", "forever"}).exit_code, 0);
  EXPECT_EQ(inspect("forever").at("RestartCount").as_int64(), count);
}

TEST_F(RootlessContainers, LogsOutliveTheCliAndTheProcess) {
  // stdout and stderr reach the log through pipes of their own: the lines' order across the two
  // is fixed by letting the process go on only once its stderr line is logged.
  std::string id =
      run_detached("web", "echo err >&2; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo one; echo two; sleep 1000");
  ASSERT_TRUE(eventually([&] { return skiff({"logs", "web"}).err == "err\n"; }));
  ASSERT_EQ(skiff({"exec", "web", "touch", "/tmp/go"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return skiff({"logs", "web"}).out == "one\ntwo\n"; })) << skiff({"logs", "web"}).out;

  auto stamped = skiff({"logs", "-t", "--tail", "1", "web"});
  EXPECT_EQ(stamped.exit_code, 0) << stamped.err;
  EXPECT_TRUE(std::regex_match(stamped.out, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z two\n)")))
      << stamped.out;
  EXPECT_EQ(stamped.err, "");
  // By a prefix of the id; each line to the stream it came from.
  auto tail = skiff({"logs", "--tail", "3", id.substr(0, 8)});
  EXPECT_EQ(tail.out, "one\ntwo\n");
  EXPECT_EQ(tail.err, "err\n");
  EXPECT_EQ(skiff({"logs", "--tail", "2", "web"}).err, "");

  ASSERT_EQ(skiff({"stop", "-t", "0", "web"}).exit_code, 0);
  auto after = skiff({"logs", "web"});
  EXPECT_EQ(after.out, "one\ntwo\n");
  EXPECT_EQ(after.err, "err\n");
  EXPECT_EQ(skiff({"logs", "ghost"}).exit_code, 125);
}

TEST_F(RootlessContainers, BadInputFailsLikePodmanAndLeavesNothing) {
  for (const std::vector<std::string>& flags :
       std::vector<std::vector<std::string>>{{"--memory", "12zz"},
                                             {"--restart", "sometimes"},
                                             {"--publish", "99999:80"},
                                             {"-v", "/nonexistent-dir:/data"}}) {
    std::vector<std::string> args = {"run", "--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(image());
    args.emplace_back("true");
    auto run = skiff(args);
    EXPECT_EQ(run.exit_code, 125) << flags.front();
    EXPECT_TRUE(run.err.starts_with("Error: ")) << run.err;
    EXPECT_NE(run.err.find(flags.front()), std::string::npos) << run.err;
  }
  std::string images_before = skiff({"images", "-q"}).out;
  std::string unknown_image = suite_registry->host() + "/no/such:image";
  auto unknown = skiff({"run", "--rm", "--tls-verify=false", unknown_image, "true"});
  EXPECT_EQ(unknown.exit_code, 125);
  EXPECT_NE(unknown.err.find("Error: pull " + unknown_image), std::string::npos) << unknown.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
  EXPECT_EQ(skiff({"images", "-q"}).out, images_before);

  std::string id = run_detached("taken", "sleep 1000");
  auto again = skiff({"run", "-d", "--name", "taken", "--network", "none", image(), "true"});
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_NE(again.err.find("taken"), std::string::npos) << again.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{id});
  // Nothing of the refused container in the run root: only the running one's state.
  std::vector<std::string> states;
  for (const auto& entry : std::filesystem::directory_iterator(run_root() + "/containers")) {
    states.push_back(entry.path().filename());
  }
  std::sort(states.begin(), states.end());
  EXPECT_EQ(states, (std::vector<std::string>{id, "names"}));

  // podman's exit codes for rm: 2 for a running container, 1 for none of that name.
  auto rm_running = skiff({"rm", "taken"});
  EXPECT_EQ(rm_running.exit_code, 2);
  EXPECT_NE(rm_running.err.find("as it is running"), std::string::npos) << rm_running.err;
  EXPECT_EQ(status_of("taken"), "running");
  auto rm_missing = skiff({"rm", "ghost"});
  EXPECT_EQ(rm_missing.exit_code, 1);
  EXPECT_EQ(rm_missing.err, "Error: no container with name or ID \"ghost\" found: no such container\n");
  EXPECT_EQ(skiff({"rm", "-f", "taken"}).out, "taken\n");
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

}  // namespace
}  // namespace skiff::rootless_testing
