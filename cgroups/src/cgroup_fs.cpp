#include "cgroup_fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/unique_fd.h"

namespace skiff::cgroups::cgfs {

namespace {

std::string join(const std::string& dir, std::string_view file) {
  return dir + "/" + std::string(file);
}

std::string trim_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

std::vector<std::string> subdirectories(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      out.push_back(it->path().string());
    }
  }
  if (ec && ec.value() != ENOENT) {
    throw_errno(ec.value(), "list cgroup " + dir);
  }
  return out;
}

}  // namespace

std::string read(const std::string& dir, std::string_view file) {
  return trim_newline(read_file(join(dir, file)));
}

std::optional<std::string> read_if_exists(const std::string& dir, std::string_view file) {
  try {
    return read(dir, file);
  } catch (const Error& e) {
    if (e.code() == ENOENT) {
      return std::nullopt;
    }
    throw;
  }
}

uint64_t read_counter(const std::string& dir, std::string_view file) {
  auto text = read_if_exists(dir, file);
  if (!text || *text == "max") {
    return 0;
  }
  try {
    return std::stoull(*text);
  } catch (const std::exception&) {
    throw Error("read " + join(dir, file) + ": not a number: \"" + *text + "\"");
  }
}

std::optional<uint64_t> keyed_value(std::string_view text, std::string_view key) {
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    auto w = words(line);
    if (w.size() == 2 && w[0] == key && w[1].find_first_not_of("0123456789") == std::string::npos) {
      return std::stoull(w[1]);
    }
  }
  return std::nullopt;
}

void write(const std::string& dir, std::string_view file, std::string_view value) {
  auto context = [&] { return "set " + std::string(file) + " to " + std::string(value) + " in " + dir; };
  UniqueFd fd(::open(join(dir, file).c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno(context());
  }
  // Interface files take one value per write: a short write would be an error, not a partial one.
  ssize_t n = 0;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw_errno(context());
  }
}

std::vector<pid_t> procs_recursive(const std::string& dir) {
  auto text = read_if_exists(dir, "cgroup.procs");
  if (!text) {
    return {};
  }
  std::vector<pid_t> out;
  std::istringstream in(*text);
  for (pid_t pid = 0; in >> pid;) {
    out.push_back(pid);
  }
  for (const std::string& child : subdirectories(dir)) {
    auto more = procs_recursive(child);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

void remove(const std::string& dir) {
  for (const std::string& child : subdirectories(dir)) {
    remove(child);
  }
  constexpr int kAttempts = 6;
  for (int attempt = 1;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
      return;
    }
    if (errno != EBUSY || attempt == kAttempts) {
      throw_errno("remove cgroup " + dir);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10) * (1 << attempt));
  }
}

bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return done();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void enable_controllers(const std::string& base, const std::string& dir, const std::set<std::string>* wanted) {
  if (!dir.starts_with(base + "/")) {
    throw Error("enable cgroup controllers for " + dir + ": not below " + base);
  }
  // Every level from base down to dir's parent must pass the controllers on.
  std::vector<std::string> levels{base};
  for (size_t pos = dir.find('/', base.size() + 1); pos != std::string::npos; pos = dir.find('/', pos + 1)) {
    levels.push_back(dir.substr(0, pos));
  }
  for (const std::string& level : levels) {
    auto enabled = words(read(level, "cgroup.subtree_control"));
    for (const std::string& controller : words(read(level, "cgroup.controllers"))) {
      if ((wanted != nullptr && !wanted->contains(controller)) ||
          std::find(enabled.begin(), enabled.end(), controller) != enabled.end()) {
        continue;
      }
      // One at a time: the kernel may refuse one controller (cpu while realtime tasks run outside
      // the root cgroup) and accept the others.
      try {
        write(level, "cgroup.subtree_control", "+" + controller);
      } catch (const Error& e) {
        if (e.code() == EBUSY) {
          throw Error("enable controller " + controller + " in " + level +
                          ": cgroup v2 passes controllers only through cgroups without processes of their own "
                          "(the \"no internal processes\" rule), and this one has some; give an absolute "
                          "linux.cgroupsPath whose ancestors hold no processes",
                      EBUSY);
        }
        // The container does without it; a limit that needs it fails in apply(), naming its file.
        log::warning(e.what());
      }
    }
  }
}

}  // namespace skiff::cgroups::cgfs
