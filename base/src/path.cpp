#include "skiff/base/path.h"

#include <fcntl.h>
#include <linux/limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <deque>

#include "skiff/base/error.h"

namespace skiff {

namespace {

constexpr int kMaxSymlinks = 40;

std::string shown(std::string_view path) {
  return path.empty() ? "/" : std::string(path);
}

// True when the symlinks in directory dirfd are magic links: on procfs every symlink is one
// (/proc/<pid>/exe, fd/N, ns/*, ...) except those of the procfs root itself (self, thread-self,
// mounts, net), whose inode is PROC_ROOT_INO.
bool is_magic_link_dir(int dirfd) {
  constexpr ino_t kProcRootIno = 1;
  struct statfs sfs {};
  if (::fstatfs(dirfd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    return false;
  }
  struct stat st {};
  return ::fstat(dirfd, &st) < 0 || st.st_ino != kProcRootIno;
}

}  // namespace

std::vector<std::string> path_components(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) {
      next = path.size();
    }
    std::string_view part = path.substr(pos, next - pos);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!out.empty()) {
        out.pop_back();
      }
    } else {
      out.emplace_back(part);
    }
    pos = next + 1;
  }
  return out;
}

std::string clean_path(std::string_view path) {
  bool absolute = !path.empty() && path.front() == '/';
  std::string out;
  for (const auto& part : path_components(path)) {
    if (!out.empty() || absolute) {
      out += '/';
    }
    out += part;
  }
  if (out.empty()) {
    return absolute ? "/" : ".";
  }
  return out;
}

std::string join_path(std::string_view root, std::string_view path) {
  std::string cleaned = clean_path("/" + std::string(path));
  std::string base(root);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  // A root of "/" (or "") adds nothing: "/etc", not "//etc".
  if (base.empty()) {
    return cleaned;
  }
  return cleaned == "/" ? base : base + cleaned;
}

std::string fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

UniqueFd open_in_root(int rootfd, std::string_view path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = clean_path("/" + std::string(path));
  if (rel == "/") {
    rel = ".";
  }
  for (;;) {
    long fd = ::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) {
      return UniqueFd(static_cast<int>(fd));
    }
    if (errno == EAGAIN || errno == EINTR) {
      continue;  // a concurrent rename inside the root; openat2 asks to retry
    }
    if (errno == ENOSYS) {
      return open_in_root_by_walk(rootfd, path, flags, mode);
    }
    throw_errno("open " + shown(path) + " inside the container root");
  }
}

UniqueFd open_in_root_by_walk(int rootfd, std::string_view path, int flags, mode_t mode) {
  std::deque<std::string> todo;
  for (auto& part : path_components(path)) {
    todo.push_back(std::move(part));
  }
  // The directories walked so far: the back is the current one; the front is the root.
  std::vector<UniqueFd> stack;
  stack.emplace_back(::fcntl(rootfd, F_DUPFD_CLOEXEC, 0));
  if (!stack.back()) {
    throw_errno("dup root fd");
  }
  int links = 0;
  auto fail = [&](int err) { throw_errno(err, "open " + shown(path) + " inside the container root"); };
  if (todo.empty()) {
    UniqueFd fd(::openat(stack.back().get(), ".", flags | O_CLOEXEC, mode));
    if (!fd) {
      fail(errno);
    }
    return fd;
  }
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == "..") {
      if (stack.size() > 1) {
        stack.pop_back();
      }
      continue;
    }
    bool last = todo.empty();
    struct stat st {};
    if (::fstatat(stack.back().get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
        !(last && (flags & O_NOFOLLOW) != 0)) {
      if (++links > kMaxSymlinks) {
        fail(ELOOP);
      }
      // Refused like RESOLVE_NO_MAGICLINKS: readlink of a magic link is only a description of
      // where it jumps to, and following the text would open something else.
      if (is_magic_link_dir(stack.back().get())) {
        fail(ELOOP);
      }
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(stack.back().get(), part.c_str(), target, sizeof target - 1);
      if (n < 0) {
        fail(errno);
      }
      std::string_view link(target, static_cast<size_t>(n));
      if (!link.empty() && link.front() == '/') {
        stack.resize(1);
      }
      // Keep ".." as steps: it must climb the resolved directories, not the lexical ones.
      std::deque<std::string> steps;
      size_t pos = 0;
      while (pos <= link.size()) {
        size_t next = link.find('/', pos);
        if (next == std::string_view::npos) {
          next = link.size();
        }
        std::string_view seg = link.substr(pos, next - pos);
        if (!seg.empty() && seg != ".") {
          steps.emplace_back(seg);
        }
        pos = next + 1;
      }
      todo.insert(todo.begin(), steps.begin(), steps.end());
      continue;
    }
    if (last) {
      UniqueFd fd(::openat(stack.back().get(), part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
      if (!fd) {
        // O_PATH|O_NOFOLLOW on a symlink succeeds; anything else is a real error.
        fail(errno);
      }
      return fd;
    }
    UniqueFd next(::openat(stack.back().get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      fail(errno);
    }
    stack.push_back(std::move(next));
  }
  UniqueFd fd(::openat(stack.back().get(), ".", flags | O_CLOEXEC, mode));
  if (!fd) {
    fail(errno);
  }
  return fd;
}

UniqueFd mkdir_all_in_root(int rootfd, std::string_view path, mode_t mode) {
  auto parts = path_components(path);
  UniqueFd current = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
  std::string prefix;
  for (const auto& part : parts) {
    prefix += "/" + part;
    if (::mkdirat(current.get(), part.c_str(), mode) < 0 && errno != EEXIST) {
      throw_errno("mkdir " + prefix + " inside the container root");
    }
    // Re-resolve from the root so that a symlink component stays inside it.
    try {
      current = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
    } catch (const Error& e) {
      if (e.code() == ENOTDIR) {
        throw Error("mkdir " + prefix + " inside the container root: exists and is not a directory");
      }
      throw;
    }
  }
  return current;
}

UniqueFd ensure_in_root(int rootfd, std::string_view path, bool dir, mode_t mode) {
  if (dir) {
    return mkdir_all_in_root(rootfd, path, mode);
  }
  std::string cleaned = clean_path("/" + std::string(path));
  size_t slash = cleaned.rfind('/');
  std::string parent = cleaned.substr(0, slash);
  std::string name = cleaned.substr(slash + 1);
  if (name.empty()) {
    throw Error("create " + cleaned + " inside the container root: the root is a directory, not a file");
  }
  UniqueFd parent_fd = mkdir_all_in_root(rootfd, parent, 0755);
  UniqueFd dirfd = open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY);
  UniqueFd created(::openat(dirfd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!created && errno != EEXIST) {
    throw_errno("create " + cleaned + " inside the container root");
  }
  UniqueFd fd = open_in_root(rootfd, cleaned, O_PATH);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) {
    throw_errno("stat " + cleaned + " inside the container root");
  }
  if (S_ISDIR(st.st_mode)) {
    throw Error("create " + cleaned + " inside the container root: exists and is a directory, expected a file");
  }
  return fd;
}

}  // namespace skiff
