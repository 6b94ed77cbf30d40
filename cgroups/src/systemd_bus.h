#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "systemd_properties.h"

struct sd_bus;

// A D-Bus connection to a systemd manager, through libsystemd's sd-bus. libsystemd is loaded
// with dlopen on first use only: skiff-runtime links no shared library but glibc, and the
// cgroupfs driver must not pay for loading it (about 0.5 ms per start).
namespace skiff::cgroups::systemd {

struct BusDeleter {
  void operator()(sd_bus* bus) const;
};

class Bus {
 public:
  enum class Kind {
    system,  // the system manager: root
    user,    // the calling user's manager (systemctl --user): rootless
  };

  // Connects to systemd's private socket when there is one (as systemctl does), else to the
  // system or the user bus. Throws "--systemd-cgroup: cannot connect to the system bus at
  // unix:path=/run/dbus/system_bus_socket: ENOENT (...)", or that libsystemd cannot be loaded.
  static Bus connect(Kind kind);

  // StartTransientUnit(name, "replace", properties, []), then waits for its job to finish
  // (JobRemoved). A leftover failed unit of that name is reset and the start tried once more.
  void start_transient_unit(const std::string& name, const std::vector<Property>& properties,
                            std::chrono::seconds timeout);
  // StopUnit(name, "replace") and waits for its job. False when there is no such unit.
  bool stop_unit(const std::string& name, std::chrono::seconds timeout);
  // ResetFailedUnit(name); a unit that is gone or did not fail is fine.
  void reset_failed_unit(const std::string& name);
  // SetUnitProperties(name, runtime=true, properties).
  void set_unit_properties(const std::string& name, const std::vector<Property>& properties);

  // The manager's own cgroup (Manager.ControlGroup): "" for the system manager,
  // "/user.slice/user-1000.slice/user@1000.service" for a user's.
  std::string manager_control_group();
  // A string property of a loaded unit (interface "org.freedesktop.systemd1.Unit" for
  // ActiveState, ".Scope" or ".Slice" for ControlGroup); nullopt when systemd has no such unit.
  std::optional<std::string> unit_property(const std::string& name, const std::string& interface,
                                           const std::string& property);

  [[nodiscard]] Kind kind() const { return kind_; }
  // "the system bus", "the user bus at unix:path=/run/user/1000/bus": for messages.
  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  Bus(std::unique_ptr<sd_bus, BusDeleter> bus, Kind kind, std::string where);
  // Calls a method of org.freedesktop.systemd1.Manager that returns a job path, and waits for
  // the job. Returns the job's result ("done", "failed", ...), or the D-Bus error name when the
  // call itself failed with one of allowed_errors.
  std::string run_job(const char* method, const std::string& name, const std::vector<Property>* properties,
                      std::chrono::seconds timeout, const std::vector<std::string>& allowed_errors);

  std::unique_ptr<sd_bus, BusDeleter> bus_;
  Kind kind_;
  std::string where_;
};

}  // namespace skiff::cgroups::systemd
