#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace skiff {

// Reads a whole file; the error names the path.
std::string read_file(const std::string& path);
// Reads a whole file relative to a directory fd.
std::string read_file_at(int dirfd, const std::string& path);
// Writes data to path (truncating); the error names the path.
void write_file(const std::string& path, std::string_view data, mode_t mode = 0644);
// Writes data to an existing file without truncating or creating it (cgroup and proc files).
void write_existing_file(const std::string& path, std::string_view data);
// Writes to a temporary file beside path and renames it over path, so readers see the old or
// the new content, never a mix. durable also fsyncs first, for data that must survive a crash;
// state under /run (tmpfs) does not need it.
void write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644, bool durable = true);
// Writes all of data to fd, retrying on EINTR and short writes.
void write_all(int fd, std::string_view data, const std::string& what);
// Reads fd to its end.
std::string read_all(int fd, const std::string& what);

bool path_exists(const std::string& path);
// mkdir -p; existing directories are fine.
void mkdir_all(const std::string& path, mode_t mode = 0755);
// rm -rf that stays on the file system it starts on and never follows symlinks.
void remove_all(const std::string& path);

}  // namespace skiff
