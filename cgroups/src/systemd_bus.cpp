#include "systemd_bus.h"

#include <dlfcn.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"

namespace skiff::cgroups::systemd {

namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr const char* kNoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";
constexpr const char* kUnitExists = "org.freedesktop.systemd1.UnitExists";
constexpr const char* kUnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
constexpr std::chrono::seconds kCallTimeout{30};

// Every sd-bus function used here, typed by its declaration in <systemd/sd-bus.h>. (clang-format
// 14 reflows this list differently on every pass: it is kept by hand.)
// clang-format off
#define SKIFF_SD_BUS_FUNCTIONS(X) \
  X(sd_bus_new) \
  X(sd_bus_set_address) \
  X(sd_bus_start) \
  X(sd_bus_open_system) \
  X(sd_bus_open_user) \
  X(sd_bus_flush_close_unref) \
  X(sd_bus_call) \
  X(sd_bus_process) \
  X(sd_bus_wait) \
  X(sd_bus_match_signal) \
  X(sd_bus_slot_unref) \
  X(sd_bus_message_new_method_call) \
  X(sd_bus_message_unref) \
  X(sd_bus_message_append) \
  X(sd_bus_message_append_array) \
  X(sd_bus_message_open_container) \
  X(sd_bus_message_close_container) \
  X(sd_bus_message_read) \
  X(sd_bus_get_property_string) \
  X(sd_bus_error_free)
// clang-format on

struct SdBus {
#define SKIFF_SD_BUS_MEMBER(name) decltype(&::name) name = nullptr;  // NOLINT(bugprone-macro-parentheses)
  SKIFF_SD_BUS_FUNCTIONS(SKIFF_SD_BUS_MEMBER)
#undef SKIFF_SD_BUS_MEMBER
};

// Loaded once per process and never unloaded.
SdBus load_sd_bus() {
  constexpr const char* kLibrary = "libsystemd.so.0";
  void* lib = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    throw Error(std::string("--systemd-cgroup: cannot load ") + kLibrary +
                " (the systemd cgroup driver talks to systemd through it; install libsystemd0): " +
                (why != nullptr ? why : "unknown error"));
  }
  SdBus api;
#define SKIFF_SD_BUS_RESOLVE(name)                                                                           \
  api.name = reinterpret_cast<decltype(api.name)>(::dlsym(lib, #name));                                      \
  if (api.name == nullptr) {                                                                                 \
    throw Error(std::string("--systemd-cgroup: ") + kLibrary + " has no " #name " (libsystemd is too old)"); \
  }
  SKIFF_SD_BUS_FUNCTIONS(SKIFF_SD_BUS_RESOLVE)
#undef SKIFF_SD_BUS_RESOLVE
  return api;
}

const SdBus& sd() {
  // A failed load throws out of the initializer, so the next call tries again.
  static const SdBus api = load_sd_bus();
  return api;
}

struct MessageDeleter {
  void operator()(sd_bus_message* m) const { sd().sd_bus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageDeleter>;

struct SlotDeleter {
  void operator()(sd_bus_slot* s) const { sd().sd_bus_slot_unref(s); }
};
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotDeleter>;

// An sd_bus_error that frees itself.
class BusError {
 public:
  BusError() = default;
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  ~BusError() { sd().sd_bus_error_free(&error_); }
  sd_bus_error* get() { return &error_; }
  [[nodiscard]] std::string name() const { return error_.name != nullptr ? error_.name : ""; }
  // "org.freedesktop.systemd1.NoSuchUnit: Unit x.scope not loaded." when the peer said why.
  [[nodiscard]] std::string text() const {
    if (error_.name == nullptr) {
      return "";
    }
    return std::string(error_.name) + (error_.message != nullptr ? std::string(": ") + error_.message : "");
  }

 private:
  sd_bus_error error_{};
};

// Message building: a negative return means a bug or no memory, reported with what was built.
void check_append(int r, const std::string& what) {
  if (r < 0) {
    throw_errno(-r, "build the D-Bus message " + what);
  }
}

MessagePtr method_call(sd_bus* bus, const char* path, const char* interface, const char* member) {
  sd_bus_message* raw = nullptr;
  check_append(sd().sd_bus_message_new_method_call(bus, &raw, kService, path, interface, member), member);
  return MessagePtr(raw);
}

struct ValueAppender {
  sd_bus_message* m;
  const std::string& what;

  void open(char type, const char* contents) const {
    check_append(sd().sd_bus_message_open_container(m, type, contents), what);
  }
  void close() const { check_append(sd().sd_bus_message_close_container(m), what); }

  void operator()(bool v) const {
    open('v', "b");
    check_append(sd().sd_bus_message_append(m, "b", static_cast<int>(v)), what);
    close();
  }
  void operator()(uint64_t v) const {
    open('v', "t");
    check_append(sd().sd_bus_message_append(m, "t", v), what);
    close();
  }
  void operator()(const std::string& v) const {
    open('v', "s");
    check_append(sd().sd_bus_message_append(m, "s", v.c_str()), what);
    close();
  }
  void operator()(const std::vector<uint8_t>& v) const {
    open('v', "ay");
    check_append(sd().sd_bus_message_append_array(m, 'y', v.data(), v.size()), what);
    close();
  }
  void operator()(const std::vector<uint32_t>& v) const {
    open('v', "au");
    check_append(sd().sd_bus_message_append_array(m, 'u', v.data(), v.size() * sizeof(uint32_t)), what);
    close();
  }
  void operator()(const std::vector<std::string>& v) const {
    open('v', "as");
    open('a', "s");
    for (const std::string& s : v) {
      check_append(sd().sd_bus_message_append(m, "s", s.c_str()), what);
    }
    close();
    close();
  }
  void operator()(const DeviceValues& v) const {
    open('v', "a(st)");
    open('a', "(st)");
    for (const auto& [device, value] : v) {
      check_append(sd().sd_bus_message_append(m, "(st)", device.c_str(), value), what);
    }
    close();
    close();
  }
};

// An a(sv) array of properties.
void append_properties(sd_bus_message* m, const std::vector<Property>& properties) {
  check_append(sd().sd_bus_message_open_container(m, 'a', "(sv)"), "properties");
  for (const Property& p : properties) {
    check_append(sd().sd_bus_message_open_container(m, 'r', "sv"), p.name);
    check_append(sd().sd_bus_message_append(m, "s", p.name.c_str()), p.name);
    std::visit(ValueAppender{m, p.name}, p.value);
    check_append(sd().sd_bus_message_close_container(m), p.name);
  }
  check_append(sd().sd_bus_message_close_container(m), "properties");
}

uint64_t usec(std::chrono::steady_clock::duration d) {
  return static_cast<uint64_t>(std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}

// JobRemoved(u id, o job, s unit, s result) of every job, by job path: ours is known only once
// the call that makes it returns, and its signal may be queued by then.
int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
  uint32_t id = 0;
  const char* job = nullptr;
  const char* unit = nullptr;
  const char* result = nullptr;
  try {
    if (sd().sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0) {
      (*static_cast<std::map<std::string, std::string>*>(userdata))[job] = result;
    }
  } catch (...) {  // nothing may unwind through libsystemd's C frames
  }
  return 0;
}

// D-Bus addresses escape bytes outside [-0-9A-Za-z_/.\*] as %XX.
std::string address_escape(const std::string& path) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) != 0 || std::string_view("-_/.\\*").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The address sd_bus_open_system/_user will use, to name it in errors.
std::string bus_address(Bus::Kind kind) {
  if (kind == Bus::Kind::system) {
    std::string a = env("DBUS_SYSTEM_BUS_ADDRESS");
    return a.empty() ? "unix:path=/run/dbus/system_bus_socket" : a;
  }
  std::string a = env("DBUS_SESSION_BUS_ADDRESS");
  if (!a.empty()) {
    return a;
  }
  std::string runtime_dir = env("XDG_RUNTIME_DIR");
  return runtime_dir.empty() ? "(neither $DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR is set)"
                             : "unix:path=" + address_escape(runtime_dir) + "/bus";
}

// systemd's own socket, which needs no bus daemon: /run/systemd/private, or the user manager's.
std::string private_socket(Bus::Kind kind) {
  if (kind == Bus::Kind::system) {
    return "/run/systemd/private";
  }
  std::string runtime_dir = env("XDG_RUNTIME_DIR");
  return runtime_dir.empty() ? "" : runtime_dir + "/systemd/private";
}

}  // namespace

void BusDeleter::operator()(sd_bus* bus) const {
  sd().sd_bus_flush_close_unref(bus);
}

Bus::Bus(std::unique_ptr<sd_bus, BusDeleter> bus, Kind kind, std::string where)
    : bus_(std::move(bus)), kind_(kind), where_(std::move(where)) {}

Bus Bus::connect(Kind kind) {
  const SdBus& api = sd();
  const char* which = kind == Kind::system ? "system" : "user";
  std::string socket = private_socket(kind);
  if (!socket.empty() && path_exists(socket)) {
    sd_bus* raw = nullptr;
    int r = api.sd_bus_new(&raw);
    std::unique_ptr<sd_bus, BusDeleter> bus(raw);
    std::string address = "unix:path=" + address_escape(socket);
    if (r >= 0) {
      r = api.sd_bus_set_address(raw, address.c_str());
    }
    if (r >= 0) {
      r = api.sd_bus_start(raw);
    }
    if (r >= 0) {
      return Bus(std::move(bus), kind, std::string("the ") + which + " manager at " + address);
    }
    log::debug("--systemd-cgroup: systemd's socket " + socket + ": " + errno_name(-r) + "; trying the " + which +
               " bus");
  }
  sd_bus* raw = nullptr;
  int r = kind == Kind::system ? api.sd_bus_open_system(&raw) : api.sd_bus_open_user(&raw);
  std::unique_ptr<sd_bus, BusDeleter> bus(raw);
  std::string address = bus_address(kind);
  if (r < 0) {
    throw Error(std::string("--systemd-cgroup: cannot connect to the ") + which + " bus at " + address, -r);
  }
  return Bus(std::move(bus), kind, std::string("the ") + which + " bus at " + address);
}

std::string Bus::run_job(const char* method, const std::string& name, const std::vector<Property>* properties,
                         std::chrono::seconds timeout, const std::vector<std::string>& allowed_errors) {
  std::string context = std::string(method) + " " + name + " on " + where_;
  // Subscribed before the call, so that the job's end cannot slip past.
  std::map<std::string, std::string> removed;
  sd_bus_slot* slot_raw = nullptr;
  int r = sd().sd_bus_match_signal(bus_.get(), &slot_raw, nullptr, kManagerPath, kManagerInterface, "JobRemoved",
                                   on_job_removed, &removed);
  if (r < 0) {
    throw_errno(-r, "subscribe to systemd's JobRemoved for " + context);
  }
  SlotPtr slot(slot_raw);

  MessagePtr m = method_call(bus_.get(), kManagerPath, kManagerInterface, method);
  check_append(sd().sd_bus_message_append(m.get(), "ss", name.c_str(), "replace"), method);
  if (properties != nullptr) {
    append_properties(m.get(), *properties);
    check_append(sd().sd_bus_message_append(m.get(), "a(sa(sv))", 0), "aux");
  }
  BusError error;
  sd_bus_message* reply_raw = nullptr;
  r = sd().sd_bus_call(bus_.get(), m.get(), usec(timeout), error.get(), &reply_raw);
  MessagePtr reply(reply_raw);
  if (r < 0) {
    if (std::find(allowed_errors.begin(), allowed_errors.end(), error.name()) != allowed_errors.end()) {
      return error.name();
    }
    throw Error("--systemd-cgroup: " + context + (error.name().empty() ? "" : ": " + error.text()), -r);
  }
  const char* job_raw = nullptr;
  r = sd().sd_bus_message_read(reply.get(), "o", &job_raw);
  if (r < 0) {
    throw_errno(-r, "--systemd-cgroup: read the job of " + context);
  }
  std::string job = job_raw;

  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto it = removed.find(job); it != removed.end()) {
      return it->second;
    }
    r = sd().sd_bus_process(bus_.get(), nullptr);
    if (r < 0) {
      throw_errno(-r, "--systemd-cgroup: wait for job " + job + " of " + context);
    }
    if (r > 0) {
      continue;  // something was dispatched: look again before sleeping
    }
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      throw Error("--systemd-cgroup: job " + job + " of " + context + " did not finish within " +
                      std::to_string(timeout.count()) + "s",
                  ETIMEDOUT);
    }
    r = sd().sd_bus_wait(bus_.get(), usec(left));
    if (r < 0 && r != -EINTR) {
      throw_errno(-r, "--systemd-cgroup: wait for job " + job + " of " + context);
    }
  }
}

void Bus::start_transient_unit(const std::string& name, const std::vector<Property>& properties,
                               std::chrono::seconds timeout) {
  for (int attempt = 0;; ++attempt) {
    std::string result = run_job("StartTransientUnit", name, &properties, timeout, {kUnitExists});
    if (result == "done") {
      return;
    }
    if (result == kUnitExists) {
      // Most likely a failed leftover of an earlier container (runc does the same).
      if (attempt == 0) {
        reset_failed_unit(name);
        continue;
      }
      throw Error("--systemd-cgroup: " + where_ + " already has a unit " + name +
                      " (another container with the same linux.cgroupsPath?)",
                  EEXIST);
    }
    reset_failed_unit(name);
    throw Error("--systemd-cgroup: " + where_ + " could not start " + name + ": its job ended \"" + result +
                "\" (see journalctl" + (kind_ == Kind::user ? " --user" : "") + " -u " + name + ")");
  }
}

bool Bus::stop_unit(const std::string& name, std::chrono::seconds timeout) {
  std::string result = run_job("StopUnit", name, nullptr, timeout, {kNoSuchUnit});
  if (result == kNoSuchUnit) {
    return false;
  }
  if (result != "done") {
    log::warning("--systemd-cgroup: stopping " + name + " ended \"" + result + "\"; continuing");
  }
  return true;
}

void Bus::reset_failed_unit(const std::string& name) {
  MessagePtr m = method_call(bus_.get(), kManagerPath, kManagerInterface, "ResetFailedUnit");
  check_append(sd().sd_bus_message_append(m.get(), "s", name.c_str()), "ResetFailedUnit");
  BusError error;
  sd_bus_message* reply = nullptr;
  int r = sd().sd_bus_call(bus_.get(), m.get(), usec(kCallTimeout), error.get(), &reply);
  MessagePtr owned(reply);
  if (r < 0 && error.name() != kNoSuchUnit) {
    log::warning("--systemd-cgroup: ResetFailedUnit " + name + " on " + where_ + ": " +
                 (error.name().empty() ? errno_name(-r) : error.text()));
  }
}

void Bus::set_unit_properties(const std::string& name, const std::vector<Property>& properties) {
  MessagePtr m = method_call(bus_.get(), kManagerPath, kManagerInterface, "SetUnitProperties");
  check_append(sd().sd_bus_message_append(m.get(), "sb", name.c_str(), 1), "SetUnitProperties");
  append_properties(m.get(), properties);
  BusError error;
  sd_bus_message* reply = nullptr;
  int r = sd().sd_bus_call(bus_.get(), m.get(), usec(kCallTimeout), error.get(), &reply);
  MessagePtr owned(reply);
  if (r < 0) {
    throw Error("--systemd-cgroup: SetUnitProperties " + name + " on " + where_ +
                    (error.name().empty() ? "" : ": " + error.text()),
                -r);
  }
}

std::string Bus::manager_control_group() {
  BusError error;
  char* raw = nullptr;
  int r = sd().sd_bus_get_property_string(bus_.get(), kService, kManagerPath, kManagerInterface, "ControlGroup",
                                          error.get(), &raw);
  std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
  if (r < 0) {
    throw Error(
        "--systemd-cgroup: read the ControlGroup of " + where_ + (error.name().empty() ? "" : ": " + error.text()), -r);
  }
  std::string cgroup = raw != nullptr ? raw : "";
  return cgroup == "/" ? "" : cgroup;
}

std::optional<std::string> Bus::unit_property(const std::string& name, const std::string& interface,
                                              const std::string& property) {
  MessagePtr m = method_call(bus_.get(), kManagerPath, kManagerInterface, "GetUnit");
  check_append(sd().sd_bus_message_append(m.get(), "s", name.c_str()), "GetUnit");
  BusError error;
  sd_bus_message* reply_raw = nullptr;
  int r = sd().sd_bus_call(bus_.get(), m.get(), usec(kCallTimeout), error.get(), &reply_raw);
  MessagePtr reply(reply_raw);
  if (r < 0) {
    if (error.name() == kNoSuchUnit) {
      return std::nullopt;
    }
    throw Error(
        "--systemd-cgroup: GetUnit " + name + " on " + where_ + (error.name().empty() ? "" : ": " + error.text()), -r);
  }
  const char* path = nullptr;
  r = sd().sd_bus_message_read(reply.get(), "o", &path);
  if (r < 0) {
    throw_errno(-r, "--systemd-cgroup: read the reply of GetUnit " + name);
  }
  BusError prop_error;
  char* raw = nullptr;
  r = sd().sd_bus_get_property_string(bus_.get(), kService, path, interface.c_str(), property.c_str(), prop_error.get(),
                                      &raw);
  std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
  if (r < 0) {
    // Unloaded between the two calls.
    if (prop_error.name() == kUnknownObject || prop_error.name() == kNoSuchUnit) {
      return std::nullopt;
    }
    throw Error("--systemd-cgroup: read " + property + " of " + name + " on " + where_ +
                    (prop_error.name().empty() ? "" : ": " + prop_error.text()),
                -r);
  }
  return std::string(raw != nullptr ? raw : "");
}

}  // namespace skiff::cgroups::systemd
