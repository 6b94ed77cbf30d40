// Bad input: each is a clear error that names the field or value, a non-zero exit, and nothing
// left behind (no state dir, no cgroup, no mount).
#include <dirent.h>
#include <gtest/gtest.h>

#include "integration_util.h"

namespace skiff::testing {
namespace {

// Entries of the state root other than the runtime's caches (".seccomp-cache").
std::vector<std::string> state_entries(const Runtime& rt) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(rt.root().c_str());
  if (dir == nullptr) {
    return out;
  }
  while (dirent* ent = ::readdir(dir)) {
    std::string name = ent->d_name;
    if (name != "." && name != ".." && name.front() != '.') {
      out.push_back(name);
    }
  }
  ::closedir(dir);
  return out;
}

void expect_clean_failure(const Runtime& rt, const Result& r, const std::string& id, const Bundle& bundle,
                          const std::vector<std::string>& mentions) {
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err, "");
  for (const auto& m : mentions) {
    EXPECT_NE(r.err.find(m), std::string::npos) << "want \"" << m << "\" in: " << r.err;
  }
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  EXPECT_EQ(joined(state_entries(rt)), "");
}

TEST(BadInput, MalformedConfigShowsLineAndColumn) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badjson");
  write_file(bundle.path() + "/config.json",
             "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\n    \"args\": [\"sh\",]\n  }\n}\n");
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"config.json", "line 4", "column"});
}

TEST(BadInput, EmptyAndMissingConfig) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("noconfig");
  Result missing = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, missing, id, bundle, {"config.json"});
  write_file(bundle.path() + "/config.json", "");
  Result empty = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, empty, id, bundle, {"config.json"});
}

TEST(BadInput, WrongTypesNameTheField) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badtype");
  bundle.process()["args"] = "sh -c true";
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"process.args"});
}

TEST(BadInput, UnknownNamespaceType) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badns");
  bundle.linux()["namespaces"].as_array().push_back(boost::json::object{{"type", "bogus"}});
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"linux.namespaces", "bogus"});
}

TEST(BadInput, UnknownCapability) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badcap");
  bundle.process()["capabilities"].as_object()["bounding"].as_array().emplace_back("CAP_WIZARDRY");
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"bounding", "CAP_WIZARDRY"});
}

TEST(BadInput, UnknownMountOptionAndRelativeDestination) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badmount");
  add_mount(bundle, "relative/dest", "tmpfs", "tmpfs", {});
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"relative/dest"});
}

TEST(BadInput, MissingRootfs) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("norootfs");
  bundle.config()["root"].as_object()["path"] = "no-such-rootfs";
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"root.path", "no-such-rootfs"});
}

TEST(BadInput, MissingBundle) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("nobundle");
  Result r = rt.run({"create", "--bundle", "/nonexistent/bundle", id});
  expect_clean_failure(rt, r, id, bundle, {"/nonexistent/bundle"});
}

TEST(BadInput, MissingBindSource) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("nobindsrc");
  add_mount(bundle, "/mnt/x", "bind", "/nonexistent/bind-source", {"bind"});
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"/nonexistent/bind-source", "/mnt/x"});
}

TEST(BadInput, UnwritablePidFile) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badpidfile");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  Result r = rt.run({"create", "--pid-file", "/nonexistent/dir/pid", "--bundle", bundle.path(), id});
  expect_clean_failure(rt, r, id, bundle, {"/nonexistent/dir/pid"});
}

TEST(BadInput, InvalidContainerIds) {
  Runtime rt;
  Bundle bundle;
  bundle.save();
  for (const char* id : {"../escape", "a/b", "..", "with space"}) {
    Result r = rt.run({"create", "--bundle", bundle.path(), id});
    EXPECT_NE(r.code, 0) << id;
    EXPECT_NE(r.err.find(id), std::string::npos) << r.err;
    EXPECT_EQ(joined(state_entries(rt)), "");
  }
  EXPECT_FALSE(path_exists(rt.root() + "/../escape"));
}

TEST(BadInput, DuplicateIdLeavesTheFirstAlone) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("dup");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"create", "--bundle", bundle.path(), id}).code, 0);
  std::string pid = std::to_string(state_of(rt, id).at("pid").as_int64());
  Bundle other;
  other.set_args({"true"});
  other.save();
  Result r = rt.run({"create", "--bundle", other.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find(id), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  Result run = rt.run({"run", "--bundle", other.path(), id});
  EXPECT_NE(run.code, 0);
  EXPECT_NE(run.err.find("already exists"), std::string::npos) << run.err;
  // The first container is untouched: same process, same cgroup, still startable.
  auto state = state_of(rt, id);
  EXPECT_EQ(std::to_string(state.at("pid").as_int64()), pid);
  EXPECT_EQ(state.at("bundle").as_string(), bundle.path());
  EXPECT_EQ(state.at("status").as_string(), "created");
  EXPECT_TRUE(path_exists(host_cgroup_dir("pids", id)));
  Result started = rt.run({"start", id});
  EXPECT_EQ(started.code, 0) << started.err;
  EXPECT_EQ(status_of(rt, id), "running");
}

TEST(BadInput, UnknownIdForEveryCommand) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("ghost");
  TempDir dir;
  write_file(dir.path() + "/process.json", R"({"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0}})");
  std::vector<std::vector<std::string>> commands{
      {"start", id},
      {"state", id},
      {"kill", id},
      {"kill", id, "KILL"},
      {"kill", "--all", id, "KILL"},
      {"delete", id},
      {"pause", id},
      {"resume", id},
      {"update", "--memory", "100M", id},
      {"exec", id, "true"},
      {"exec", "-p", dir.path() + "/process.json", id},
      {"ps", id},
      {"ps", "--format", "json", id},
  };
  for (const auto& args : commands) {
    Result r = rt.run(args);
    EXPECT_NE(r.code, 0) << args[0];
    EXPECT_NE(r.err.find("container \"" + id + "\" does not exist"), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[0];
  }
  Result update_stdin = rt.run({"update", "--resources", "-", id}, R"({"pids": {"limit": 10}})");
  EXPECT_NE(update_stdin.code, 0);
  EXPECT_NE(update_stdin.err.find("does not exist"), std::string::npos) << update_stdin.err;
  // As runc: delete --force of a container that does not exist succeeds quietly.
  Result force = rt.run({"delete", "--force", id});
  EXPECT_EQ(force.code, 0) << force.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
  EXPECT_EQ(joined(state_entries(rt)), "");
}

TEST(BadInput, InvalidSignal) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badsig");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  for (const char* sig : {"SIGFOO", "0", "65", "-9", "RTMIN+x", "KILLX"}) {
    Result r = rt.run({"kill", id, sig});
    EXPECT_NE(r.code, 0) << sig;
    EXPECT_NE(r.err.find(std::string("\"") + sig + "\""), std::string::npos) << r.err;
  }
  EXPECT_EQ(status_of(rt, id), "running");
  // The forms runc takes all work.
  for (const char* sig : {"SIGCONT", "cont", "18", "CONT"}) {
    Result r = rt.run({"kill", id, sig});
    EXPECT_EQ(r.code, 0) << sig << ": " << r.err;
  }
  EXPECT_EQ(status_of(rt, id), "running");
}

TEST(BadInput, InvalidFormat) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("badformat");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  Result list = rt.run({"list", "--format", "yaml"});
  EXPECT_NE(list.code, 0);
  EXPECT_NE(list.err.find("yaml"), std::string::npos) << list.err;
  EXPECT_EQ(list.out, "");
  Result ps = rt.run({"ps", "-f", "xml", id});
  EXPECT_NE(ps.code, 0);
  EXPECT_NE(ps.err.find("xml"), std::string::npos) << ps.err;
  EXPECT_EQ(ps.out, "");
}

TEST(BadInput, UnknownCommandAndFlag) {
  Runtime rt;
  Result cmd = rt.run({"explode"});
  EXPECT_NE(cmd.code, 0);
  EXPECT_NE(cmd.err.find("unknown command \"explode\""), std::string::npos) << cmd.err;
  Result flag = rt.run({"list", "--no-such-flag"});
  EXPECT_NE(flag.code, 0);
  EXPECT_NE((flag.err + flag.out).find("--no-such-flag"), std::string::npos) << flag.err;
}

TEST(BadInput, StartTwiceAndDeleteRunning) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("twice");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "-d", "--bundle", bundle.path(), id}).code, 0);
  Result again = rt.run({"start", id});
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("running"), std::string::npos) << again.err;
  Result del = rt.run({"delete", id});
  EXPECT_NE(del.code, 0);
  EXPECT_NE(del.err.find("running"), std::string::npos) << del.err;
  EXPECT_EQ(status_of(rt, id), "running");
}

}  // namespace
}  // namespace skiff::testing
