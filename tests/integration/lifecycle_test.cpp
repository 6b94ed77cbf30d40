// The OCI lifecycle through the CLI: create, start, state, kill, delete, run, list, ps.
#include <gtest/gtest.h>

#include <sstream>

#include "integration_util.h"

namespace skiff::testing {
namespace {

TEST(Lifecycle, RunPrintsOutputAndExitCode) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("run"), "echo hello; exit 7");
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "hello\n");
}

TEST(Lifecycle, RunExitCodeOfASignalledProcess) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("runsig");
  // As pid 1 of its own pid namespace the shell could not be killed from inside it.
  remove_namespace(bundle, "pid");
  Result r = run_in_container(rt, bundle, id, "kill -KILL $$");
  EXPECT_EQ(r.code, 137) << r.err;
  // run deletes the container afterwards.
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

// A foreground run passes the signals it gets on to the container's process and exits with
// its exit code.
TEST(Lifecycle, ForegroundRunForwardsSignals) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("fwd");
  bundle.set_args({"sh", "-c",
                   "trap 'echo got-term; exit 3' TERM; touch /tmp/ready; "
                   "while :; do sleep 1 & wait $!; done"});
  bundle.save();
  SpawnedRuntime run(rt, {"run", "--bundle", bundle.path(), id});
  ASSERT_TRUE(wait_for_file(bundle.rootfs() + "/tmp/ready"));
  ASSERT_EQ(wait_for_status(rt, id, "running"), "running");
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  Result r = run.wait();
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("got-term\n"), std::string::npos) << r.out;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Lifecycle, CreateStartKillDelete) {
  Runtime rt;
  Bundle bundle;
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string id = unique_id("life");
  Result created = rt.run({"create", "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(status_of(rt, id), "created");
  Result started = rt.run({"start", id});
  ASSERT_EQ(started.code, 0) << started.err;
  EXPECT_EQ(status_of(rt, id), "running");
  Result killed = rt.run({"kill", id, "KILL"});
  ASSERT_EQ(killed.code, 0) << killed.err;
  EXPECT_EQ(wait_for_status(rt, id, "stopped"), "stopped");
  Result deleted = rt.run({"delete", id});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  Result gone = rt.run({"state", id});
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Lifecycle, DefaultKillIsSigterm) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("term");
  // pid 1 ignores signals it has no handler for: trap TERM to exit with a code of its own.
  bundle.set_args({"sh", "-c", "trap 'exit 0' TERM; echo ready > /tmp/ready; while :; do sleep 1; done"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  ASSERT_TRUE(wait_for_file(bundle.rootfs() + "/tmp/ready"));
  Result killed = rt.run({"kill", id});
  ASSERT_EQ(killed.code, 0) << killed.err;
  EXPECT_EQ(wait_for_status(rt, id, "stopped"), "stopped");
  Result again = rt.run({"kill", id, "KILL"});
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("not running"), std::string::npos) << again.err;
}

TEST(Lifecycle, StateJsonFields) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("state");
  bundle.config()["annotations"] = boost::json::object{{"org.example.key", "value"}, {"another", "one"}};
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  TempDir dir;
  std::string pid_file = dir.path() + "/container.pid";
  Result created = rt.run({"create", "--pid-file", pid_file, "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  Result r = rt.run({"state", id});
  ASSERT_EQ(r.code, 0) << r.err;
  auto state = json::parse(r.out, "state").as_object();
  EXPECT_EQ(state.at("ociVersion").as_string(), "1.2.0");
  EXPECT_EQ(state.at("id").as_string(), id);
  EXPECT_EQ(state.at("status").as_string(), "created");
  EXPECT_EQ(state.at("bundle").as_string(), bundle.path());
  int64_t pid = state.at("pid").as_int64();
  EXPECT_GT(pid, 0);
  EXPECT_EQ(trimmed(read_file(pid_file)), std::to_string(pid));
  EXPECT_TRUE(path_exists("/proc/" + std::to_string(pid)));
  auto annotations = state.at("annotations").as_object();
  EXPECT_EQ(annotations.at("org.example.key").as_string(), "value");
  EXPECT_EQ(annotations.at("another").as_string(), "one");
  ASSERT_EQ(rt.run({"start", id}).code, 0);
  auto running = state_of(rt, id);
  EXPECT_EQ(running.at("status").as_string(), "running");
  EXPECT_EQ(running.at("pid").as_int64(), pid);
  // The container's pid is its pid 1, sleeping.
  EXPECT_EQ(read_file("/proc/" + std::to_string(pid) + "/comm"), "sleep\n");
}

TEST(Lifecycle, StoppedStateAfterTheProcessExits) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("exited");
  bundle.set_args({"true"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "--detach", "--bundle", bundle.path(), id}).code, 0);
  EXPECT_EQ(wait_for_status(rt, id, "stopped"), "stopped");
  EXPECT_EQ(rt.run({"delete", id}).code, 0);
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Lifecycle, DeleteOfACreatedContainerKillsItsProcess) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("delcreated");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"create", "--bundle", bundle.path(), id}).code, 0);
  int64_t pid = state_of(rt, id).at("pid").as_int64();
  std::string comm = trimmed(read_file("/proc/" + std::to_string(pid) + "/comm"));
  Result d = rt.run({"delete", id});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  // Its waiting process (the runtime's, until start) is gone too.
  EXPECT_TRUE(process_gone(pid, comm)) << comm;
}

TEST(Lifecycle, DeleteForceOfARunningContainer) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("delforce");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "--detach", "--bundle", bundle.path(), id}).code, 0);
  ASSERT_EQ(status_of(rt, id), "running");
  int64_t pid = state_of(rt, id).at("pid").as_int64();
  Result plain = rt.run({"delete", id});
  EXPECT_NE(plain.code, 0);
  Result d = rt.run({"delete", "--force", id});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  EXPECT_NE(rt.run({"state", id}).code, 0);
  EXPECT_TRUE(process_gone(pid, "sleep"));
}

TEST(Lifecycle, KillAllReachesEveryProcess) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("killall");
  // Without a pid namespace of its own, killing pid 1 would not take the others with it.
  remove_namespace(bundle, "pid");
  bundle.set_args({"sh", "-c", "sleep 1000 & sleep 1000 & echo started > /tmp/ready; wait"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "--detach", "--bundle", bundle.path(), id}).code, 0);
  ASSERT_TRUE(wait_for_file(bundle.rootfs() + "/tmp/ready"));
  Result exec = rt.run({"exec", "--detach", id, "sleep", "1000"});
  ASSERT_EQ(exec.code, 0) << exec.err;
  Result ps = rt.run({"ps", "--format", "json", id});
  ASSERT_EQ(ps.code, 0) << ps.err;
  auto pids = json::parse(ps.out, "ps").as_array();
  EXPECT_EQ(pids.size(), 4u) << ps.out;
  Result killed = rt.run({"kill", "--all", id, "KILL"});
  ASSERT_EQ(killed.code, 0) << killed.err;
  EXPECT_EQ(wait_for_status(rt, id, "stopped"), "stopped");
  std::string procs;
  for (int i = 0; i < 200; ++i) {
    procs = read_file(host_cgroup_dir("pids", id) + "/cgroup.procs");
    if (procs.empty()) {
      break;
    }
    usleep(50000);
  }
  EXPECT_EQ(procs, "");
  for (const auto& p : pids) {
    EXPECT_TRUE(process_gone(p.as_int64(), "sleep") && process_gone(p.as_int64(), "sh")) << p;
  }
  EXPECT_EQ(rt.run({"delete", id}).code, 0);
}

TEST(Lifecycle, RunDetachReturnsWhileItRuns) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("detach");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  TempDir dir;
  Result r = rt.run({"run", "--detach", "--pid-file", dir.path() + "/pid", "--bundle", bundle.path(), id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_of(rt, id), "running");
  EXPECT_EQ(trimmed(read_file(dir.path() + "/pid")), std::to_string(state_of(rt, id).at("pid").as_int64()));
}

TEST(Lifecycle, ListTableJsonAndQuiet) {
  Runtime rt;
  Bundle bundle;
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string running = unique_id("list-a");
  std::string created = unique_id("list-b");
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), running}).code, 0);
  ASSERT_EQ(rt.run({"create", "--bundle", bundle.path(), created}).code, 0);

  Result quiet = rt.run({"list", "-q"});
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  std::vector<std::string> ids;
  std::istringstream in(quiet.out);
  for (std::string line; std::getline(in, line);) {
    ids.push_back(line);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{running, created}));

  Result table = rt.run({"list"});
  ASSERT_EQ(table.code, 0) << table.err;
  std::istringstream rows(table.out);
  std::string header;
  std::getline(rows, header);
  std::istringstream header_words(header);
  std::vector<std::string> columns;
  for (std::string w; header_words >> w;) {
    columns.push_back(w);
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}));
  int seen = 0;
  for (std::string row; std::getline(rows, row);) {
    std::istringstream words(row);
    std::string id, pid, status, bundle_path, created_at, owner;
    words >> id >> pid >> status >> bundle_path >> created_at >> owner;
    EXPECT_EQ(status, id == running ? "running" : "created") << row;
    EXPECT_EQ(pid, std::to_string(state_of(rt, id).at("pid").as_int64()));
    EXPECT_EQ(bundle_path, bundle.path());
    EXPECT_EQ(owner, "root");
    ++seen;
  }
  EXPECT_EQ(seen, 2) << table.out;

  Result json_list = rt.run({"list", "--format", "json"});
  ASSERT_EQ(json_list.code, 0) << json_list.err;
  auto entries = json::parse(json_list.out, "list").as_array();
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) {
    const auto& o = e.as_object();
    std::string id(o.at("id").as_string());
    EXPECT_EQ(o.at("status").as_string(), id == running ? "running" : "created");
    EXPECT_EQ(o.at("bundle").as_string(), bundle.path());
    EXPECT_GT(o.at("pid").as_int64(), 0);
  }
}

TEST(Lifecycle, ListOfAnEmptyRoot) {
  Runtime rt;
  Result quiet = rt.run({"list", "-q"});
  EXPECT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "");
  Result json_list = rt.run({"list", "--format", "json"});
  EXPECT_EQ(json_list.code, 0) << json_list.err;
  EXPECT_TRUE(json::parse(json_list.out, "list").as_array().empty()) << json_list.out;
}

TEST(Lifecycle, PsListsTheContainersProcesses) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("ps");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  int64_t pid = state_of(rt, id).at("pid").as_int64();
  Result json_ps = rt.run({"ps", "--format", "json", id});
  ASSERT_EQ(json_ps.code, 0) << json_ps.err;
  auto pids = json::parse(json_ps.out, "ps").as_array();
  ASSERT_EQ(pids.size(), 1u) << json_ps.out;
  EXPECT_EQ(pids[0].as_int64(), pid);
  Result table = rt.run({"ps", id});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("PID"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" " + std::to_string(pid) + " "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("sleep 1000"), std::string::npos) << table.out;
  // Only the container's processes: header plus one row.
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 2) << table.out;
  Result custom = rt.run({"ps", id, "-o", "pid,comm"});
  ASSERT_EQ(custom.code, 0) << custom.err;
  EXPECT_NE(custom.out.find("sleep"), std::string::npos) << custom.out;
}

TEST(Lifecycle, SpecAndFeatures) {
  TempDir dir;
  Runtime rt;
  Result spec = rt.run({"spec", "--bundle", dir.path()});
  ASSERT_EQ(spec.code, 0) << spec.err;
  auto config = json::parse_file(dir.path() + "/config.json").as_object();
  EXPECT_EQ(config.at("ociVersion").as_string(), "1.2.0");
  Result again = rt.run({"spec", "--bundle", dir.path()});
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  Result features = rt.run({"features"});
  ASSERT_EQ(features.code, 0) << features.err;
  auto f = json::parse(features.out, "features").as_object();
  EXPECT_TRUE(f.contains("ociVersionMin")) << features.out;
  EXPECT_TRUE(f.contains("linux")) << features.out;
}

TEST(Lifecycle, ManyContainersInOneRoot) {
  Runtime rt;
  Bundle bundle;
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(unique_id("many"));
    Result r = rt.run({"run", "-d", "--bundle", bundle.path(), ids.back()});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  for (const auto& id : ids) {
    EXPECT_EQ(status_of(rt, id), "running");
    EXPECT_EQ(rt.run({"delete", "--force", id}).code, 0);
    EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  }
}

}  // namespace
}  // namespace skiff::testing
