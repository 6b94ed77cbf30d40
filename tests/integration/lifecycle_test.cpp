#include <gtest/gtest.h>

#include "skiff/base/json.h"
#include "test_support.h"

namespace skiff::testing {
namespace {

std::string status_of(const Runtime& rt, const std::string& id) {
  Result r = rt.run({"state", id});
  if (r.code != 0) {
    return "error: " + r.err;
  }
  return std::string(json::parse(r.out, "state").as_object().at("status").as_string());
}

TEST(Lifecycle, RunPrintsOutputAndExitCode) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("run"), "echo hello; exit 7");
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "hello\n");
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
  for (int i = 0; i < 100 && status_of(rt, id) != "stopped"; ++i) {
    usleep(20000);
  }
  EXPECT_EQ(status_of(rt, id), "stopped");
  Result deleted = rt.run({"delete", id});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  Result gone = rt.run({"state", id});
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
}

}  // namespace
}  // namespace skiff::testing
