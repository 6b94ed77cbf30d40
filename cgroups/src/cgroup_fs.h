#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// Reading and writing cgroup interface files and walking cgroup directories, shared by the
// v1 and v2 managers.
namespace skiff::cgroups::cgfs {

// The content of dir/file without its trailing newline.
std::string read(const std::string& dir, std::string_view file);
// The same, or nullopt when the file does not exist (a controller that is not enabled).
std::optional<std::string> read_if_exists(const std::string& dir, std::string_view file);
// A counter such as memory.current: 0 when the file does not exist or says "max".
uint64_t read_counter(const std::string& dir, std::string_view file);
// The number after key in a "key value" per line file (cpu.stat, cgroup.events).
std::optional<uint64_t> keyed_value(std::string_view text, std::string_view key);

// Writes one value. The error reads "set <file> to <value> in <dir>: <errno>".
void write(const std::string& dir, std::string_view file, std::string_view value);

// The pids in cgroup.procs of dir and of every cgroup below it; none when dir is gone.
std::vector<pid_t> procs_recursive(const std::string& dir);

// Removes dir and every cgroup below it, children first. A missing dir is fine; EBUSY (tasks
// that are still exiting) is retried for a moment.
void remove(const std::string& dir);

// Calls done every few milliseconds until it returns true or timeout passes; returns its last answer.
bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Enables controllers in cgroup.subtree_control of base and of every cgroup between base and
// dir, so that dir gets them: the ones in wanted, or every available one when wanted is null.
void enable_controllers(const std::string& base, const std::string& dir, const std::set<std::string>* wanted);

}  // namespace skiff::cgroups::cgfs
