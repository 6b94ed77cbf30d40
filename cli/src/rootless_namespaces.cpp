#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <optional>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"
#include "skiff/cli/rootless.h"
#include "skiff/image/rootless_userns.h"
#include "skiff/pod/pause_binary.h"
#include "skiff/runtime/state.h"

namespace skiff::cli {

namespace {

// Held while the recorded holder is looked at and, when it is gone, replaced.
UniqueFd lock_holder_record(const std::string& run_root) {
  std::string path = run_root + "/pause.lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) {
    throw_errno("open " + path);
  }
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      throw_errno("lock " + path);
    }
  }
  return fd;
}

// The namespaces of the holder the record names; nullopt when there is no record or its process
// is gone (the pid free, or another process's now).
std::optional<image::HeldNamespaces> open_recorded_holder(const std::string& record) {
  if (!path_exists(record)) {
    return std::nullopt;
  }
  auto fields = split(trim(read_file(record)), ' ');
  if (fields.size() != 2) {
    throw Error(record + ": want \"<pid> <start time>\", have \"" + std::string(trim(read_file(record))) + "\"");
  }
  auto pid = static_cast<pid_t>(parse_uint(fields[0], record + ": pid"));
  uint64_t start_time = parse_uint(fields[1], record + ": start time");
  std::optional<image::HeldNamespaces> held;
  try {
    held = image::open_held_namespaces(pid);
  } catch (const Error& e) {
    if (e.code() == ENOENT || e.code() == ESRCH) {
      return std::nullopt;
    }
    throw;
  }
  // Checked once opened: a process that took over the pid since cannot be the one joined.
  if (runtime::process_start_time(pid) != start_time) {
    return std::nullopt;
  }
  return held;
}

}  // namespace

std::string namespace_holder_pid_file(const std::string& run_root) {
  return run_root + "/pause.pid";
}

void enter_rootless_namespaces(const std::string& run_root) {
  // First, so that a user without subordinate ids learns what to add before anything is made.
  image::UserNamespaceMaps maps = rootless_user_maps();
  mkdir_all(run_root, 0700);
  UniqueFd lock = lock_holder_record(run_root);
  std::string record = namespace_holder_pid_file(run_root);
  auto held = open_recorded_holder(record);
  if (!held) {
    pid_t pid = image::start_namespace_holder(maps, pod::find_pause_binary());
    write_file_atomic(record, std::to_string(pid) + " " + std::to_string(runtime::process_start_time(pid)) + "\n", 0600,
                      false);
    held = image::open_held_namespaces(pid);
  }
  image::join_namespaces(*held);
}

}  // namespace skiff::cli
