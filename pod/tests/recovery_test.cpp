// A pod creator killed at any point leaves nothing once recover() has run.

#include <gtest/gtest.h>

#include <cstdio>

#include "pod_test_util.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"

namespace skiff::pod::testing {
namespace {

// Kills a creator of a pod in the given network mode at many points, recovers, and checks that
// nothing is left (and, bridged, no veth either).
void kill_creators_and_recover(PodTest& test, NetworkMode network) {
  // The delays only choose where the creator dies (from before the state dir to after the pod
  // is complete); nothing is asserted about how long a step takes.
  for (int delay_ms : {0, 2, 4, 6, 8, 10, 13, 16, 20, 25, 30, 35, 40, 50, 60, 80, 120, 400}) {
    SCOPED_TRACE("killed after " + std::to_string(delay_ms) + " ms");
    PodSpec spec;
    spec.id = ::skiff::testing::unique_id("killed");
    spec.network = network;
    spec.init_containers.push_back(test.container("init", "true"));
    spec.containers.push_back(test.container("app", "exec sleep 1000"));
    spec.containers.push_back(test.container("app2", "exec sleep 1000"));
    ::skiff::testing::run_killed_after([&] { PodManager(test.options()).create_pod(spec); }, delay_ms);

    PodManager recovering(test.options());
    auto removed = recovering.recover(true);
    bool complete = path_exists(test.options().state_root + "/pods/" + spec.id);
    // Which point the kill hit, for whoever reads the test's output.
    std::printf("killed after %d ms: %s\n", delay_ms,
                complete          ? "the pod was complete"
                : removed.empty() ? "nothing was made yet"
                                  : "recovered a half-made pod");
    if (complete) {
      // The creator finished before it was killed: a complete pod, which recover leaves alone.
      EXPECT_TRUE(removed.empty());
      EXPECT_EQ(recovering.pod_status(spec.id).state, "running");
      recovering.remove_pod(spec.id, true);
    }
    test.expect_nothing_left(spec.id);
    if (network == NetworkMode::bridge) {
      SubprocessOptions ip;
      ip.args = {"ip", "-o", "link", "show", "type", "veth"};
      EXPECT_EQ(run_subprocess(ip).out, "") << "veth left";
    }
  }
}

TEST_F(PodTest, RecoverRemovesPodsWhoseCreatorWasKilled) {
  kill_creators_and_recover(*this, NetworkMode::none);
}

TEST_F(PodTest, RecoverRemovesBridgedPodsWhoseCreatorWasKilled) {
  if (!bridge_networking_available()) {
    GTEST_SKIP() << "built without the netns module (SKIFF_POD_NETNS=OFF)";
  }
  kill_creators_and_recover(*this, NetworkMode::bridge);
}

}  // namespace
}  // namespace skiff::pod::testing
