// The systemd driver without a systemd: dispatch by make_manager and load_manager, the state it
// saves, and the errors when there is no cgroup v2 or no bus. Its real work is tested in the
// cgroup v2 + systemd guest (tests/vm/systemd_driver_test.cpp).
#include <gtest/gtest.h>

#include <cstdlib>

#include "managers.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "systemd_bus.h"

namespace skiff::cgroups {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Sets an environment variable for the scope of one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      old_ = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

boost::json::value saved_state() {
  return json::parse(R"({"driver": "systemd", "mode": "v2",
    "dirs": {"unified": "/sys/fs/cgroup/system.slice/skiff-abc.scope/container"},
    "unit": "skiff-abc.scope", "slice": "system.slice",
    "unitDir": "/sys/fs/cgroup/system.slice/skiff-abc.scope", "managerDir": "/sys/fs/cgroup",
    "rootless": false, "enabled": true})",
                     "state");
}

TEST(SystemdManager, LoadsFromItsSavedState) {
  auto manager = load_manager(saved_state());
  auto* systemd = dynamic_cast<SystemdManager*>(manager.get());
  ASSERT_NE(systemd, nullptr);
  EXPECT_EQ(systemd->unit(), (systemd::UnitPath{"system.slice", "skiff-abc.scope"}));
  EXPECT_TRUE(manager->enabled());
  // The container lives in a sub-cgroup of the delegated scope.
  EXPECT_EQ(manager->directory("unified"), "/sys/fs/cgroup/system.slice/skiff-abc.scope/container");
  EXPECT_EQ(manager->directory("memory"), "");
  // A loaded container's unit runs: exec's processes may be born into its cgroup.
  EXPECT_EQ(manager->birth_directory(), "/sys/fs/cgroup/system.slice/skiff-abc.scope/container");
  EXPECT_EQ(manager->save(), saved_state());
}

TEST(SystemdManager, StatesWithoutADriverAreCgroupfs) {
  auto manager = load_manager(json::parse(
      R"({"mode": "v2", "dirs": {"unified": "/sys/fs/cgroup/x"}, "rootless": false, "enabled": true})", "state"));
  EXPECT_EQ(dynamic_cast<SystemdManager*>(manager.get()), nullptr);
  EXPECT_NE(error_of([] { load_manager(json::parse(R"({"driver": "openrc"})", "state")); }).find("cgroups.driver"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              load_manager(json::parse(R"({"driver": "systemd", "unit": "a.scope"})", "state"));
            }).find("cgroups.slice"),
            std::string::npos);
}

TEST(SystemdManager, NeedsCgroupV2) {
  if (detect_mode() == Mode::v2) {
    GTEST_SKIP() << "this host is cgroup v2";
  }
  ManagerConfig config{"", "abc", false, true};
  std::string message = error_of([&] { make_manager(config); });
  EXPECT_NE(message.find("--systemd-cgroup: this host mounts cgroups as"), std::string::npos) << message;
  EXPECT_NE(message.find("needs cgroup v2"), std::string::npos) << message;
}

TEST(SystemdBus, NoSystemBusIsAClearError) {
  if (::access("/run/systemd/private", F_OK) == 0) {
    GTEST_SKIP() << "systemd runs here: its private socket would be used";
  }
  ScopedEnv address("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/skiff-test-bus");
  std::string message = error_of([] { systemd::Bus::connect(systemd::Bus::Kind::system); });
  EXPECT_EQ(
      message.rfind(
          "--systemd-cgroup: cannot connect to the system bus at unix:path=/nonexistent/skiff-test-bus: ENOENT", 0),
      0U)
      << message;
}

TEST(SystemdBus, NoUserBusIsAClearError) {
  ScopedEnv address("DBUS_SESSION_BUS_ADDRESS", nullptr);
  ScopedEnv runtime_dir("XDG_RUNTIME_DIR", "/nonexistent/skiff-test-run");
  std::string message = error_of([] { systemd::Bus::connect(systemd::Bus::Kind::user); });
  EXPECT_EQ(message.rfind("--systemd-cgroup: cannot connect to the user bus at "
                          "unix:path=/nonexistent/skiff-test-run/bus: ENOENT",
                          0),
            0U)
      << message;
}

}  // namespace
}  // namespace skiff::cgroups
