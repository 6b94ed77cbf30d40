#include "skiff/base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"

namespace skiff {

std::string read_all(int fd, const std::string& what) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("read " + what);
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

void write_all(int fd, std::string_view data, const std::string& what) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("write " + what);
    }
    off += static_cast<size_t>(n);
  }
}

std::string read_file(const std::string& path) {
  return read_file_at(AT_FDCWD, path);
}

std::string read_file_at(int dirfd, const std::string& path) {
  UniqueFd fd(::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("open " + path);
  }
  return read_all(fd.get(), path);
}

void write_file(const std::string& path, std::string_view data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) {
    throw_errno("open " + path);
  }
  write_all(fd.get(), data, path);
}

void write_existing_file(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("open " + path);
  }
  // Kernel interface files take one value per write; a short write is an error there.
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) {
    throw_errno("write \"" + std::string(data) + "\" to " + path);
  }
}

void write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool durable) {
  std::string tmp = path + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) {
      throw_errno("open " + tmp);
    }
    write_all(fd.get(), data, tmp);
    if (durable && ::fsync(fd.get()) < 0) {
      throw_errno("fsync " + tmp);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw_errno(err, "rename " + tmp + " to " + path);
  }
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void mkdir_all(const std::string& path, mode_t mode) {
  if (path.empty()) {
    return;
  }
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (part.empty()) {
      continue;
    }
    if (::mkdir(part.c_str(), mode) < 0 && errno != EEXIST) {
      throw_errno("mkdir " + part);
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) {
    throw_errno("stat " + path);
  }
  if (!S_ISDIR(st.st_mode)) {
    throw Error("mkdir " + path + ": exists and is not a directory");
  }
}

namespace {

void remove_children(int dirfd, dev_t dev, const std::string& shown) {
  UniqueFd dup(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  if (!dup) {
    throw_errno("dup fd of " + shown);
  }
  DIR* dir = ::fdopendir(dup.get());
  if (dir == nullptr) {
    throw_errno("opendir " + shown);
  }
  dup.release();
  struct DirCloser {
    DIR* d;
    ~DirCloser() { ::closedir(d); }
  } closer{dir};
  while (dirent* ent = ::readdir(dir)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) {
        continue;
      }
      throw_errno("stat " + shown + "/" + name);
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) {
        throw Error("remove " + shown + "/" + name + ": is a mount point, refusing to cross it");
      }
      UniqueFd child(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child && errno == ENOENT) {
        continue;  // removed meanwhile by another remover (a store's gc beside a background removal)
      }
      if (!child) {
        throw_errno("open " + shown + "/" + name);
      }
      remove_children(child.get(), dev, shown + "/" + name);
      if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) {
        throw_errno("rmdir " + shown + "/" + name);
      }
    } else if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) {
      throw_errno("unlink " + shown + "/" + name);
    }
  }
}

}  // namespace

void remove_all(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) {
      return;
    }
    throw_errno("stat " + path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
      throw_errno("unlink " + path);
    }
    return;
  }
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir && errno == ENOENT) {
    return;
  }
  if (!dir) {
    throw_errno("open " + path);
  }
  remove_children(dir.get(), st.st_dev, path);
  if (::rmdir(path.c_str()) < 0 && errno != ENOENT) {
    throw_errno("rmdir " + path);
  }
}

}  // namespace skiff
