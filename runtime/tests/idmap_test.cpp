#include "skiff/runtime/idmap.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "skiff/base/subprocess.h"

namespace skiff::runtime {
namespace {

IdMapping m(uint32_t container_id, uint32_t host_id, uint32_t size) {
  return {container_id, host_id, size};
}

TEST(FormatIdMap, OneLinePerMapping) {
  EXPECT_EQ(format_id_map({}), "");
  EXPECT_EQ(format_id_map({m(0, 1000, 1)}), "0 1000 1\n");
  EXPECT_EQ(format_id_map({m(0, 1000, 1), m(1, 100000, 65536)}), "0 1000 1\n1 100000 65536\n");
  EXPECT_EQ(format_id_map({m(0, 0, 4294967295u)}), "0 0 4294967295\n");
}

TEST(MapToHost, FindsTheRange) {
  std::vector<IdMapping> maps{m(0, 1000, 1), m(1, 100000, 65536)};
  EXPECT_EQ(map_to_host(maps, 0), 1000);
  EXPECT_EQ(map_to_host(maps, 1), 100000);
  EXPECT_EQ(map_to_host(maps, 1000), 100999);
  EXPECT_EQ(map_to_host(maps, 65536), 165535);
  EXPECT_EQ(map_to_host(maps, 65537), -1);
  EXPECT_EQ(map_to_host({}, 0), -1);
  EXPECT_EQ(map_to_host({m(10, 20, 5)}, 9), -1);
  EXPECT_EQ(map_to_host({m(10, 20, 5)}, 14), 24);
  EXPECT_EQ(map_to_host({m(10, 20, 5)}, 15), -1);
}

TEST(MapToHost, NoOverflowAtTheTop) {
  EXPECT_EQ(map_to_host({m(4294967294u, 4294967294u, 1)}, 4294967294u), 4294967294);
  EXPECT_EQ(map_to_host({m(0, 4294967295u, 1)}, 0), 4294967295);
  EXPECT_EQ(map_to_host({m(1, 0, 4294967295u)}, 0), -1);
}

// Runs fn in a child that has dropped to an unprivileged uid and gid (when we are root); the
// exit code is fn's result. Skips when we cannot drop.
int as_unprivileged(uid_t uid, const std::function<bool()>& fn) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 && (::setresgid(uid, uid, uid) < 0 || ::setresuid(uid, uid, uid) < 0)) {
      ::_exit(2);
    }
    ::_exit(fn() ? 0 : 1);
  }
  return wait_exit_code(pid);
}

TEST(CanWriteMapDirectly, RootAlwaysCan) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root";
  }
  EXPECT_TRUE(can_write_map_directly({m(0, 100000, 65536), m(65536, 5, 1)}, 0));
  EXPECT_TRUE(can_write_map_directly({m(0, 1000, 1)}, 0));
}

TEST(CanWriteMapDirectly, UnprivilegedOnlyItsOwnIdOnce) {
  uid_t self = ::geteuid() == 0 ? 65534 : ::geteuid();
  EXPECT_EQ(as_unprivileged(self, [self] { return can_write_map_directly({m(0, self, 1)}, self); }), 0);
  EXPECT_EQ(as_unprivileged(self, [self] { return can_write_map_directly({m(1000, self, 1)}, self); }), 0);
  // Anything more needs newuidmap.
  EXPECT_EQ(as_unprivileged(self, [self] { return !can_write_map_directly({m(0, self, 2)}, self); }), 0);
  EXPECT_EQ(as_unprivileged(self, [self] { return !can_write_map_directly({m(0, self + 1, 1)}, self); }), 0);
  EXPECT_EQ(as_unprivileged(self,
                            [self] {
                              return !can_write_map_directly({m(0, self, 1), m(1, 100000, 65536)}, self);
                            }),
            0);
  EXPECT_EQ(as_unprivileged(self, [self] { return !can_write_map_directly({}, self); }), 0);
}

}  // namespace
}  // namespace skiff::runtime
