#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace skiff::testing {

// The skiff-runtime binary under test ($SKIFF_RUNTIME, set by CTest).
std::string runtime_path();

// A directory under $TMPDIR (or /tmp) removed with everything in it, mounts included, when the
// object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "skiff-test-");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The busybox-static binary copied into test rootfses: $SKIFF_BUSYBOX, or /bin/busybox.
std::string busybox_path();

// An OCI bundle whose rootfs holds busybox-static and its applets, with config.json from
// `skiff-runtime spec` (terminal off, so tests capture output). Edit config() and save().
// spec_args go to `spec` after the bundle ({"--rootless"} for an unprivileged user's config).
class Bundle {
 public:
  explicit Bundle(const std::vector<std::string>& spec_args = {});
  [[nodiscard]] const std::string& path() const { return dir_.path(); }
  [[nodiscard]] std::string rootfs() const { return dir_.path() + "/rootfs"; }
  boost::json::object& config() { return config_; }
  boost::json::object& process() { return config_["process"].as_object(); }
  boost::json::object& linux() { return config_["linux"].as_object(); }
  void set_args(const std::vector<std::string>& args);
  // Writes config.json.
  void save() const;

 private:
  TempDir dir_;
  boost::json::object config_;
};

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// A state root (--root) of its own per test; its destructor deletes (--force) every container
// still in it, so a failing test leaves nothing running.
class Runtime {
 public:
  Runtime();
  ~Runtime();
  // Runs skiff-runtime --root <root> args...; input, when given, goes to its stdin.
  Result run(const std::vector<std::string>& args, const std::optional<std::string>& input = std::nullopt,
             int timeout_seconds = 60) const;
  [[nodiscard]] const std::string& root() const { return root_.path(); }

 private:
  TempDir root_;
};

// The whole output of `sh -c script` run in a fresh container of bundle (created, started,
// waited for and deleted by `run`).
Result run_in_container(const Runtime& rt, Bundle& bundle, const std::string& id, const std::string& script);

// The status `state` reports for id, or "error: <stderr>" when it fails.
std::string status_of(const Runtime& rt, const std::string& id);
// Polls (bounded, ~20 s) until the container reports want; returns the last status seen.
std::string wait_for_status(const Runtime& rt, const std::string& id, const std::string& want);

// The caller's own cgroup in a v1 hierarchy ("memory") or "" for the v2 line.
std::string own_cgroup(const std::string& hierarchy);

// Unique names per test process.
std::string unique_id(const std::string& prefix);

// The mount points in this process's mount namespace at or below dir (mountinfo order).
std::vector<std::string> mounts_below(const std::string& dir);

// Runs work in a forked child and SIGKILLs the child delay_ms later (when it has not finished by
// then), then reaps it: a process killed at some point of its work, for recovery tests.
void run_killed_after(const std::function<void()>& work, int delay_ms);

}  // namespace skiff::testing
