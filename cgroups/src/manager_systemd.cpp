#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "cgroup_fs.h"
#include "managers.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"
#include "systemd_bus.h"
#include "systemd_properties.h"

namespace skiff::cgroups {

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
// The container's cgroup inside the delegated unit (crun's name for it).
constexpr const char* kContainerCgroup = "container";
// How long systemd may take to start or stop a unit (runc waits as long).
constexpr std::chrono::seconds kJobTimeout{30};

std::string container_dir(const std::string& unit_dir) {
  return unit_dir + "/" + kContainerCgroup;
}

bool is_directory(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

std::set<std::string> controllers_of(const std::string& dir) {
  std::set<std::string> out;
  for (const std::string& c : split(trim(cgfs::read(dir, "cgroup.controllers")), ' ')) {
    if (!c.empty()) {
      out.insert(c);
    }
  }
  return out;
}

std::string required_string(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* v = json::find(obj, key);
  if (v == nullptr) {
    json::invalid(json::field("cgroups", key), "is required");
  }
  return json::as_string(*v, json::field("cgroups", key));
}

}  // namespace

SystemdManager::SystemdManager(systemd::UnitPath unit, std::string unit_dir, std::string manager_dir, bool rootless,
                               bool started, std::unique_ptr<systemd::Bus> bus)
    : unit_(std::move(unit)),
      unit_dir_(std::move(unit_dir)),
      manager_dir_(std::move(manager_dir)),
      rootless_(rootless),
      started_(started),
      container_(container_dir(unit_dir_), unit_dir_, rootless, true),
      bus_(std::move(bus)) {}

SystemdManager::~SystemdManager() = default;

std::unique_ptr<SystemdManager> SystemdManager::make(const ManagerConfig& config) {
  Mode mode = detect_mode();
  if (mode != Mode::v2) {
    throw Error("--systemd-cgroup: this host mounts cgroups as " + std::string(mode_name(mode)) +
                "; the systemd cgroup driver needs cgroup v2 (boot with systemd.unified_cgroup_hierarchy=1), or "
                "leave out --systemd-cgroup");
  }
  if (!config.rootless && !is_directory("/run/systemd/system")) {
    throw Error("--systemd-cgroup: systemd is not this host's init (/run/systemd/system is missing)");
  }
  systemd::UnitPath unit = systemd::parse_cgroups_path(config.cgroups_path, config.container_id, config.rootless);
  auto bus = std::make_unique<systemd::Bus>(
      systemd::Bus::connect(config.rootless ? systemd::Bus::Kind::user : systemd::Bus::Kind::system));
  // Where systemd will put the unit must be known now: the container's first stage is forked
  // with a copy of this manager before the unit exists, and mounts its cgroup from there.
  std::string manager_cgroup = bus->manager_control_group();
  std::string unit_dir = kCgroupRoot + systemd::unit_cgroup(unit, manager_cgroup);
  auto manager = std::make_unique<SystemdManager>(std::move(unit), std::move(unit_dir), kCgroupRoot + manager_cgroup,
                                                  config.rootless, false, std::move(bus));
  manager->description_ = "skiff container " + config.container_id;
  return manager;
}

std::unique_ptr<SystemdManager> SystemdManager::load(const boost::json::object& saved) {
  systemd::UnitPath unit{required_string(saved, "slice"), required_string(saved, "unit")};
  const boost::json::value* rootless = json::find(saved, "rootless");
  return std::make_unique<SystemdManager>(
      std::move(unit), required_string(saved, "unitDir"), required_string(saved, "managerDir"),
      rootless != nullptr && json::as_bool(*rootless, "cgroups.rootless"), true, nullptr);
}

systemd::Bus& SystemdManager::bus() {
  if (!bus_) {
    bus_ = std::make_unique<systemd::Bus>(
        systemd::Bus::connect(rootless_ ? systemd::Bus::Kind::user : systemd::Bus::Kind::system));
  }
  return *bus_;
}

void SystemdManager::create() {
  // Refused now rather than after the fork: a live unit of that name is another container's.
  auto state = bus().unit_property(unit_.unit, "org.freedesktop.systemd1.Unit", "ActiveState");
  if (state && *state != "inactive" && *state != "failed") {
    throw Error("linux.cgroupsPath: " + bus().where() + " already has a unit " + unit_.unit + " (" + *state +
                    "): another container uses it",
                EEXIST);
  }
}

void SystemdManager::add_process(pid_t pid) {
  if (started_) {
    container_.add_process(pid);
    return;
  }
  start(pid);
}

void SystemdManager::start(pid_t pid) {
  std::vector<systemd::Property> props =
      systemd::unit_properties(unit_, description_, unit_.is_slice() ? std::nullopt : std::optional<pid_t>(pid));
  if (pending_) {
    for (systemd::Property& p : systemd::resource_properties(*pending_)) {
      props.push_back(std::move(p));
    }
  }
  // Ours from here on, so that a failed create stops it; but not a unit of that name that was
  // already there (another container's), which start_transient_unit refuses with EEXIST.
  started_ = true;
  try {
    bus().start_transient_unit(unit_.unit, props, kJobTimeout);
  } catch (const Error& e) {
    started_ = e.code() != EEXIST;
    throw;
  }
  // The forked stage has this manager's directories already; systemd must agree with them.
  const char* interface = unit_.is_slice() ? "org.freedesktop.systemd1.Slice" : "org.freedesktop.systemd1.Scope";
  auto cgroup = bus().unit_property(unit_.unit, interface, "ControlGroup");
  if (!cgroup || kCgroupRoot + *cgroup != unit_dir_) {
    throw Error("--systemd-cgroup: " + bus().where() + " put " + unit_.unit + " at " +
                (cgroup ? kCgroupRoot + *cgroup : std::string("no cgroup (it stopped?)")) + ", not at " + unit_dir_);
  }
  // A cgroup2 directory with processes cannot hand controllers down: the process leaves the
  // unit's own cgroup for the container's before controllers are enabled for that.
  std::string dir = container_dir(unit_dir_);
  if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
    throw_errno("--systemd-cgroup: make the container's cgroup " + dir + " in the delegated " + unit_.unit);
  }
  cgfs::write(dir, "cgroup.procs", std::to_string(pid));
  container_.create();
  if (pending_) {
    container_.apply(*pending_);
    pending_.reset();
  }
}

void SystemdManager::apply(const Resources& resources) {
  if (rootless_) {
    systemd::check_delegated(resources, controllers_of(manager_dir_), ::geteuid());
  }
  // Built first so that a bad value is refused before anything changes.
  std::vector<systemd::Property> props = systemd::resource_properties(resources);
  if (!started_) {
    pending_ = resources;
    return;
  }
  // Before systemd lowers the unit's limit, which the check in container_.apply would be too late for.
  detail::check_memory_usage(resources, [&] { return cgfs::read_counter(container_dir(unit_dir_), "memory.current"); });
  if (!props.empty()) {
    bus().set_unit_properties(unit_.unit, props);
  }
  // The container's own cgroup gets the exact values too (systemd rounds a CPU quota up to
  // whole percents), and whatever systemd has no property for.
  container_.apply(resources);
}

void SystemdManager::freeze() {
  if (started_) {
    container_.freeze();
  }
}

void SystemdManager::thaw() {
  if (started_) {
    container_.thaw();
  }
}

bool SystemdManager::frozen() const {
  return started_ && container_.frozen();
}

std::vector<pid_t> SystemdManager::pids() const {
  return started_ ? container_.pids() : std::vector<pid_t>{};
}

void SystemdManager::kill_all(int signal) {
  if (started_) {
    container_.kill_all(signal);
  }
}

Stats SystemdManager::stats() const {
  return started_ ? container_.stats() : Stats{};
}

void SystemdManager::destroy() {
  // Before the unit started, its name may be another container's: nothing here is ours.
  if (!started_) {
    return;
  }
  // Callers kill the container's processes first, so its cgroup is empty.
  container_.destroy();
  if (bus().stop_unit(unit_.unit, kJobTimeout)) {
    log::debug("--systemd-cgroup: stopped " + unit_.unit);
  }
  // A unit that failed (an OOM kill) stays loaded until reset; its name would stay taken.
  bus().reset_failed_unit(unit_.unit);
  // systemd removes the unit's cgroup when it stops; this only sweeps up if it could not.
  cgfs::remove(unit_dir_);
}

std::string SystemdManager::directory(std::string_view hierarchy) const {
  return container_.directory(hierarchy);
}

std::string SystemdManager::birth_directory() const {
  return started_ ? container_.birth_directory() : std::string();
}

boost::json::value SystemdManager::save() const {
  // mode and dirs as the cgroupfs drivers write them, for readers of the state that look there.
  return boost::json::object{{"driver", "systemd"},
                             {"mode", mode_name(Mode::v2)},
                             {"dirs", boost::json::object{{"unified", container_dir(unit_dir_)}}},
                             {"unit", unit_.unit},
                             {"slice", unit_.slice},
                             {"unitDir", unit_dir_},
                             {"managerDir", manager_dir_},
                             {"rootless", rootless_},
                             {"enabled", true}};
}

}  // namespace skiff::cgroups
