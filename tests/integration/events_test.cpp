// skiff-runtime events: the stats of a container's cgroup (--stats), and the stream of stats and
// OOM-kill events, in runc's JSON.
#include <gtest/gtest.h>

#include "events_stream.h"
#include "integration_util.h"
#include "skiff/base/strings.h"

namespace skiff::testing {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

// A hog that grows until the OOM killer ends it: the shell keeps all of `yes` in a variable.
const char* const kMemoryHog = "x=$(yes)";

void set_memory_limit(Bundle& bundle, int64_t bytes) {
  // swap equal to the limit: no swap to spill into, so the hog meets the OOM killer.
  bundle.linux()["resources"].as_object()["memory"] = boost::json::object{{"limit", bytes}, {"swap", bytes}};
}

// The one JSON object `events --stats` prints.
boost::json::object stats_event(const Runtime& rt, const std::string& id) {
  Result r = rt.run({"events", "--stats", id});
  if (r.code != 0) {
    throw Error("events --stats " + id + ": " + r.err);
  }
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  return json::parse(r.out, "events --stats").as_object();
}

uint64_t number_at(const boost::json::object& data, const std::vector<std::string>& path) {
  const boost::json::value* v = nullptr;
  const boost::json::object* obj = &data;
  for (const auto& key : path) {
    v = obj->if_contains(key);
    if (v == nullptr) {
      throw Error("no " + key + " in " + boost::json::serialize(*obj));
    }
    if (v->is_object()) {
      obj = &v->as_object();
    }
  }
  return v->to_number<uint64_t>();
}

std::vector<boost::json::object> event_lines(const std::string& text) {
  std::vector<boost::json::object> out;
  for (const auto& line : split(text, '\n')) {
    if (!line.empty()) {
      out.push_back(json::parse(line, "events output").as_object());
    }
  }
  return out;
}

size_t count_type(const std::vector<boost::json::object>& events, const std::string& type) {
  return std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.at("type").as_string() == type; });
}

TEST(Events, StatsOfARunningContainer) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("ev-stats");
  bundle.set_args({"sleep", "1000"});
  set_memory_limit(bundle, 64 * kMiB);
  bundle.linux()["resources"].as_object()["pids"] = boost::json::object{{"limit", 50}};
  bundle.save();
  Result r = rt.run({"run", "--detach", "--bundle", bundle.path(), id});
  ASSERT_EQ(r.code, 0) << r.err;
  // A second process: pids.current counts both.
  Result exec = rt.run({"exec", "--detach", id, "sleep", "1000"});
  ASSERT_EQ(exec.code, 0) << exec.err;

  boost::json::object event = stats_event(rt, id);
  EXPECT_EQ(event.at("type").as_string(), "stats");
  EXPECT_EQ(event.at("id").as_string(), id);
  const auto& data = event.at("data").as_object();
  SCOPED_TRACE(boost::json::serialize(data));
  EXPECT_EQ(number_at(data, {"memory", "usage", "limit"}), 64U * kMiB);
  uint64_t usage = number_at(data, {"memory", "usage", "usage"});
  EXPECT_GT(usage, 0U);
  EXPECT_LT(usage, 64U * kMiB);
  EXPECT_GE(number_at(data, {"memory", "usage", "max"}), usage);
  EXPECT_EQ(number_at(data, {"memory", "oom_kill"}), 0U);
  EXPECT_EQ(number_at(data, {"pids", "current"}), 2U);
  EXPECT_EQ(number_at(data, {"pids", "limit"}), 50U);
  EXPECT_GT(number_at(data, {"cpu", "usage", "total"}), 0U);
  EXPECT_TRUE(data.at("hugetlb").is_object());

  ASSERT_EQ(rt.run({"delete", "--force", id}).code, 0);
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

// The container's own process is the victim: it stops, and its cgroup (kept until delete)
// still tells why.
TEST(Events, StatsOfAContainerKilledByTheOomKiller) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("ev-oom");
  bundle.set_args({"sh", "-c", kMemoryHog});
  set_memory_limit(bundle, 8 * kMiB);
  bundle.save();
  Result r = rt.run({"run", "--detach", "--bundle", bundle.path(), id});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(wait_for_status(rt, id, "stopped"), "stopped");

  boost::json::object event = stats_event(rt, id);
  const auto& data = event.at("data").as_object();
  SCOPED_TRACE(boost::json::serialize(data));
  EXPECT_GE(number_at(data, {"memory", "oom_kill"}), 1U);
  // Not failcnt: this host's kernel (6.18, cgroup v1) leaves memory.failcnt at 0 here.
  EXPECT_EQ(number_at(data, {"memory", "usage", "limit"}), 8U * kMiB);
  if (cgroup_v1_host()) {
    std::string control = read_file(host_cgroup_dir("memory", id) + "/memory.oom_control");
    EXPECT_NE(control.find("oom_kill "), std::string::npos) << control;
    EXPECT_EQ(control.find("oom_kill 0\n"), std::string::npos) << control;
  }
  // Streaming needs a live container, as runc's does.
  Result stream = rt.run({"events", id});
  EXPECT_NE(stream.code, 0);
  EXPECT_NE(stream.err.find("container \"" + id + "\" is not running"), std::string::npos) << stream.err;

  ASSERT_EQ(rt.run({"delete", id}).code, 0);
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

// A process of a running container is killed: an oom event comes while the container goes on,
// stats events keep coming, and the stream ends by itself when the container stops.
TEST(Events, StreamReportsOomKillsAndEndsWithTheContainer) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("ev-stream");
  bundle.set_args({"sleep", "1000"});
  set_memory_limit(bundle, 8 * kMiB);
  bundle.save();
  Result r = rt.run({"run", "--detach", "--bundle", bundle.path(), id});
  ASSERT_EQ(r.code, 0) << r.err;

  EventsStream stream(rt, {"--interval", "100ms", id});
  // The first stats event shows the stream is watching: kills from here on are reported.
  ASSERT_NE(stream.wait_for("\"type\":\"stats\"").find("\"type\":\"stats\""), std::string::npos) << stream.output();
  // The hog asks to be the OOM killer's first choice: the container's own process must survive
  // the kill for the stream to go on (the killer once picked it here).
  Result hog = rt.run({"exec", id, "sh", "-c", std::string("echo 1000 > /proc/self/oom_score_adj && ") + kMemoryHog});
  EXPECT_EQ(hog.code, 128 + SIGKILL) << hog.err;
  std::string out = stream.wait_for("\"type\":\"oom\"");
  ASSERT_NE(out.find("{\"type\":\"oom\",\"id\":\"" + id + "\"}\n"), std::string::npos) << out;
  EXPECT_EQ(status_of(rt, id), "running");
  uint64_t kills = number_at(stats_event(rt, id).at("data").as_object(), {"memory", "oom_kill"});
  EXPECT_GE(kills, 1U);

  ASSERT_EQ(rt.run({"kill", id, "KILL"}).code, 0);
  EXPECT_EQ(stream.wait(), 0) << stream.output();
  auto events = event_lines(stream.output());
  // One oom event per kill the cgroup counted, and every other event a stats one about id.
  EXPECT_EQ(count_type(events, "oom"), kills) << stream.output();
  EXPECT_EQ(count_type(events, "oom") + count_type(events, "stats"), events.size()) << stream.output();
  for (const auto& e : events) {
    EXPECT_EQ(e.at("id").as_string(), id);
  }
  EXPECT_GE(count_type(events, "stats"), 1U);

  ASSERT_EQ(rt.run({"delete", id}).code, 0);
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

// Deleting the container ends the stream too.
TEST(Events, StreamEndsWhenTheContainerIsDeleted) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("ev-del");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "--detach", "--bundle", bundle.path(), id}).code, 0);
  EventsStream stream(rt, {"--interval", "50ms", id});
  ASSERT_NE(stream.wait_for("\"type\":\"stats\"").find("\"type\":\"stats\""), std::string::npos) << stream.output();
  ASSERT_EQ(rt.run({"delete", "--force", id}).code, 0);
  EXPECT_EQ(stream.wait(), 0) << stream.output();
  EXPECT_EQ(count_type(event_lines(stream.output()), "oom"), 0U);
}

TEST(Events, UnknownContainerAndBadIntervalAreNamed) {
  Runtime rt;
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"events", "--stats", "no-such-ctr"}, {"events", "no-such-ctr"}}) {
    Result r = rt.run(args);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("container \"no-such-ctr\" does not exist"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  for (const char* interval : {"0s", "5", "soon", "-1s"}) {
    Result r = rt.run({"events", "--interval", interval, "no-such-ctr"});
    EXPECT_NE(r.code, 0) << interval;
    EXPECT_NE(r.err.find("--interval"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace skiff::testing
