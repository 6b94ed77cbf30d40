// A pod creator killed at any point leaves nothing once recover() has run.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pod_test_util.h"
#include "skiff/base/file.h"

namespace skiff::pod::testing {
namespace {

TEST_F(PodTest, RecoverRemovesPodsWhoseCreatorWasKilled) {
  // The delays only choose where the creator dies (from before the state dir to after the pod
  // is complete); nothing is asserted about how long a step takes.
  for (int delay_ms : {0, 1, 3, 10, 30, 60, 100, 150, 250, 400, 700, 1200}) {
    SCOPED_TRACE("killed after " + std::to_string(delay_ms) + " ms");
    PodSpec spec;
    spec.id = ::skiff::testing::unique_id("killed");
    spec.init_containers.push_back(container("init", "true"));
    spec.containers.push_back(container("app", "exec sleep 1000"));
    spec.containers.push_back(container("app2", "exec sleep 1000"));
    pid_t creator = ::fork();
    ASSERT_GE(creator, 0);
    if (creator == 0) {
      try {
        PodManager(options()).create_pod(spec);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    ::kill(creator, SIGKILL);
    ::waitpid(creator, nullptr, 0);

    PodManager recovering(options());
    auto removed = recovering.recover(true);
    if (path_exists(root_.path() + "/pods/" + spec.id)) {
      // The creator finished before it was killed: a complete pod, which recover leaves alone.
      EXPECT_TRUE(removed.empty());
      EXPECT_EQ(recovering.pod_status(spec.id).state, "running");
      recovering.remove_pod(spec.id, true);
    }
    expect_nothing_left(spec.id);
  }
}

}  // namespace
}  // namespace skiff::pod::testing
