// The store's root, its blobs and its layers; the image index, containers and gc are in
// store_index.cpp.
#include "skiff/image/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/rootless.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "store_records.h"

namespace skiff::image {

using store_detail::lock_file;
using store_detail::unique_name;

Digest chain_id(const std::optional<Digest>& parent, const Digest& diff_id) {
  if (!parent) {
    return diff_id;
  }
  return Digest::of(parent->str() + " " + diff_id.str());
}

std::vector<Digest> chain_ids(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  std::optional<Digest> parent;
  for (const auto& diff_id : diff_ids) {
    parent = chain_id(parent, diff_id);
    out.push_back(*parent);
  }
  return out;
}

namespace {

// Reads size bytes of a file from its start with pread, leaving the fd's offset alone.
class PreadSource : public ByteSource {
 public:
  PreadSource(int fd, uint64_t size, std::string what) : fd_(fd), size_(size), what_(std::move(what)) {}
  size_t read(std::span<std::byte> buffer) override {
    size_t want = std::min<uint64_t>(buffer.size(), size_ - offset_);
    if (want == 0) {
      return 0;
    }
    ssize_t n = 0;
    do {
      n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(offset_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      throw_errno("read " + what_);
    }
    if (n == 0) {
      throw Error("read " + what_ + ": file ends at " + std::to_string(offset_) + " of " + std::to_string(size_) +
                  " bytes");
    }
    offset_ += n;
    return n;
  }

 private:
  int fd_;
  uint64_t size_;
  uint64_t offset_ = 0;
  std::string what_;
};

// A stored blob as a stream; owns its fd.
class BlobFileSource : public ByteSource {
 public:
  BlobFileSource(UniqueFd fd, uint64_t size, std::string what)
      : fd_(std::move(fd)), source_(fd_.get(), size, std::move(what)) {}
  size_t read(std::span<std::byte> buffer) override { return source_.read(buffer); }

 private:
  UniqueFd fd_;
  PreadSource source_;
};

std::string tmp_dir(const std::string& root) {
  return root + "/tmp";
}

}  // namespace

bool Store::running_rootless() {
  return skiff::running_rootless();
}

std::string Store::default_root() {
  if (!running_rootless()) {
    return "/var/lib/skiff";
  }
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/skiff";
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') {
    throw Error("store root: neither XDG_DATA_HOME nor HOME is set to an absolute path");
  }
  return std::string(home) + "/.local/share/skiff";
}

Store::Store() : Store(default_root(), running_rootless()) {}

Store::Store(std::string root, bool rootless) : root_(std::move(root)), rootless_(rootless) {
  if (root_.empty() || root_[0] != '/') {
    throw Error("store root " + root_ + ": not an absolute path");
  }
  mkdir_all(root_, 0700);
  for (const char* sub : {"/blobs/sha256", "/layers", "/containers", "/tmp"}) {
    mkdir_all(root_ + sub, 0700);
  }
  // Each layer is staged in a dir of its own in tmp/: spread over the block groups, a layer's
  // inodes are not allocated among those of a layer just removed, which ext4 without a journal
  // skips one by one for a minute or more (recently_deleted); a re-pull after rmi was then
  // dominated by that scan.
  store_detail::mark_top_dir(tmp_dir(root_));
  root_fd_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) {
    throw_errno("open store root " + root_);
  }
}

Store::~Store() = default;

// ---- blobs

std::string Store::blob_path(const Digest& digest) const {
  return root_ + "/blobs/sha256/" + std::string(digest.hex());
}

bool Store::has_blob(const Digest& digest) const {
  return path_exists(blob_path(digest));
}

std::string Store::read_blob(const Digest& digest, uint64_t max_bytes) const {
  auto path = blob_path(digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("blob " + digest.str() + " in store " + root_);
  }
  struct stat st {};
  check(::fstat(fd.get(), &st), "stat " + path);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw Error("blob " + digest.str() + " in store " + root_ + ": " + std::to_string(st.st_size) +
                " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  auto data = read_all(fd.get(), path);
  if (Digest::of(data) != digest) {
    throw Error("blob " + digest.str() + " in store " + root_ + " is corrupt: its content hashes to " +
                Digest::of(data).str());
  }
  return data;
}

std::unique_ptr<ByteSource> Store::open_blob(const Digest& digest) const {
  auto path = blob_path(digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("blob " + digest.str() + " in store " + root_);
  }
  struct stat st {};
  check(::fstat(fd.get(), &st), "stat " + path);
  return std::make_unique<BlobFileSource>(std::move(fd), st.st_size, path);
}

void Store::put_blob(const Digest& digest, std::string_view data) const {
  auto actual = Digest::of(data);
  if (actual != digest) {
    throw Error("blob " + digest.str() + ": its content hashes to " + actual.str());
  }
  if (has_blob(digest)) {
    return;
  }
  // A temp name of this writer's own: another process may be storing the same blob.
  auto tmp = tmp_dir(root_) + "/" + unique_name("put-");
  write_file_atomic(tmp, data, 0644, false);
  if (::rename(tmp.c_str(), blob_path(digest).c_str()) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw_errno(err, "store blob " + digest.str());
  }
}

std::optional<BlobWriter> Store::begin_blob(const Digest& digest) const {
  if (has_blob(digest)) {
    return std::nullopt;
  }
  auto path = tmp_dir(root_) + "/blob-" + std::string(digest.hex());
  UniqueFd fd = lock_file(path, LOCK_EX);
  // Whoever held the lock before may have finished it.
  if (has_blob(digest)) {
    return std::nullopt;
  }
  // lock_file opens O_RDWR; appends need O_APPEND too.
  int flags = check(::fcntl(fd.get(), F_GETFL), "fcntl " + path);
  check(::fcntl(fd.get(), F_SETFL, flags | O_APPEND), "fcntl " + path);
  struct stat st {};
  check(::fstat(fd.get(), &st), "stat " + path);
  return BlobWriter(*this, digest, std::move(fd), st.st_size);
}

BlobWriter::BlobWriter(const Store& store, Digest digest, UniqueFd fd, uint64_t size)
    : store_(&store), digest_(std::move(digest)), fd_(std::move(fd)), size_(size) {}

std::unique_ptr<ByteSource> BlobWriter::read_existing() const {
  return std::make_unique<PreadSource>(fd_.get(), size_, "partial download of " + digest_.str());
}

void BlobWriter::append(std::span<const std::byte> data) {
  write_all(fd_.get(), std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
            "partial download of " + digest_.str());
  size_ += data.size();
}

void BlobWriter::truncate() {
  check(::ftruncate(fd_.get(), 0), "truncate the partial download of " + digest_.str());
  size_ = 0;
}

void BlobWriter::commit(const Digest& computed) {
  if (computed != digest_) {
    truncate();
    throw Error("blob " + digest_.str() + ": the content received hashes to " + computed.str());
  }
  auto from = tmp_dir(store_->root()) + "/blob-" + std::string(digest_.hex());
  if (::rename(from.c_str(), store_->blob_path(digest_).c_str()) < 0) {
    throw_errno("commit blob " + digest_.str());
  }
}

// ---- layers

bool Store::has_layer(const Digest& chain_id) const {
  return path_exists(root_ + "/layers/" + std::string(chain_id.hex()) + "/layer.json");
}

std::string Store::layer_dir(const Digest& chain_id) const {
  return root_ + "/layers/" + std::string(chain_id.hex()) + "/diff";
}

LayerRecord Store::layer(const Digest& chain_id) const {
  auto path = root_ + "/layers/" + std::string(chain_id.hex()) + "/layer.json";
  auto record = store_detail::layer_from_json(json::parse_file(path), path);
  if (record.chain_id != chain_id) {
    throw Error(path + ": chainId is " + record.chain_id.str() + ", not the directory's " + chain_id.str());
  }
  return record;
}

std::vector<LayerRecord> Store::layers() const {
  std::vector<LayerRecord> out;
  for (const auto& name : store_detail::list_dir(root_ + "/layers")) {
    if (store_detail::is_sha256_hex(name)) {
      auto chain = Digest::parse("sha256:" + name, "layer dir " + name);
      if (has_layer(chain)) {
        out.push_back(layer(chain));
      }
    }
  }
  return out;
}

std::optional<LayerWriter> Store::begin_layer(const Digest& chain_id) const {
  if (has_layer(chain_id)) {
    return std::nullopt;
  }
  auto prefix = "layer-" + std::string(chain_id.hex());
  UniqueFd lock = lock_file(tmp_dir(root_) + "/" + prefix + ".lock", LOCK_EX);
  if (has_layer(chain_id)) {
    return std::nullopt;
  }
  // Whatever staging dir is there is what a killed maker left.
  for (const auto& name : store_detail::list_dir(tmp_dir(root_))) {
    if (name.starts_with(prefix + "-")) {
      remove_all(tmp_dir(root_) + "/" + name);
    }
  }
  // A new name each time: the Orlov allocator picks the staging dir's block group from a hash
  // of its name (see mark_top_dir).
  auto staging = tmp_dir(root_) + "/" + store_detail::random_name(prefix + "-");
  check(::mkdir(staging.c_str(), 0700), "mkdir " + staging);
  auto diff = staging + "/diff";
  check(::mkdir(diff.c_str(), 0755), "mkdir " + diff);
  UniqueFd diff_fd(::open(diff.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!diff_fd) {
    throw_errno("open " + diff);
  }
  return LayerWriter(*this, chain_id, std::move(staging), std::move(lock), std::move(diff_fd));
}

LayerWriter::LayerWriter(const Store& store, Digest chain_id, std::string staging, UniqueFd lock, UniqueFd diff_fd)
    : store_(&store),
      chain_id_(std::move(chain_id)),
      staging_(std::move(staging)),
      lock_(std::move(lock)),
      diff_fd_(std::move(diff_fd)) {}

LayerWriter::~LayerWriter() {
  if (!lock_.valid() || committed_) {
    return;
  }
  try {
    diff_fd_.reset();
    remove_all(staging_);
  } catch (const Error& e) {
    log::warning("remove the staging dir of layer " + chain_id_.str() + ": " + e.what());
  }
}

void LayerWriter::commit(const LayerRecord& record) {
  if (record.chain_id != chain_id_) {
    throw Error("commit layer " + chain_id_.str() + ": the record is for " + record.chain_id.str());
  }
  auto target = store_->root() + "/layers/" + std::string(chain_id_.hex());
  write_file_atomic(staging_ + "/layer.json", json::pretty(store_detail::layer_to_json(record)), 0644, false);
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) < 0) {
    throw_errno("commit layer " + chain_id_.str() + ": rename " + staging_ + " to " + target);
  }
  committed_ = true;
  diff_fd_.reset();
  lock_.reset();
}

// ---- locks

StoreLock Store::lock_shared() const {
  return StoreLock(lock_file(root_ + "/store.lock", LOCK_SH));
}

UniqueFd Store::lock_index() const {
  return lock_file(root_ + "/index.lock", LOCK_EX);
}

}  // namespace skiff::image
