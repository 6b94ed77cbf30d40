#pragma once

// The content store. Under its root:
//   blobs/sha256/<hex>            manifests, configs and compressed layer blobs as pulled, each
//                                 committed only after its digest verified (export copies them)
//   layers/<chain-id-hex>/diff    one layer unpacked: an overlay lower dir
//   layers/<chain-id-hex>/layer.json   what it is (LayerRecord)
//   index.json                    the images (ImageRecord), rewritten atomically under index.lock
//   containers/<id>/              a container's rootfs (rootfs.h): container.json, upper, work, merged
//   tmp/                          partial downloads (blob-<hex>), layer staging dirs
//                                 (layer-<hex>-<random>) and their lock files (layer-<hex>.lock);
//                                 nothing in it is ever referenced
//   store.lock                    shared by every writer (pull, import), exclusive for gc
// Every commit is a rename of a finished file or dir, so a writer killed at any point leaves the
// store consistent, and the next pull resumes from its partial downloads. Blobs and layers are
// not fsynced: a killed process loses nothing the page cache holds, and they are a cache that a
// pull makes again; only power loss could leave a committed layer with lost writes (as with
// containers/storage, which does not sync layers either). index.json is written durably. Store is safe to use
// from several threads and processes at once.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/image/byte_source.h"
#include "skiff/image/digest.h"

namespace skiff::image {

// The chain id of a layer (OCI image spec, config.md): the diff id for the bottom layer, else
// sha256 of "<parent chain id> <diff id>".
Digest chain_id(const std::optional<Digest>& parent, const Digest& diff_id);
// The chain ids of a stack of layers, bottom first, from their diff ids (bottom first).
std::vector<Digest> chain_ids(const std::vector<Digest>& diff_ids);

struct LayerRecord {
  Digest chain_id;
  Digest diff_id;                // sha256 of the uncompressed tar
  std::optional<Digest> parent;  // chain id of the layer below; none for a bottom layer
  Digest blob;                   // the compressed blob it was unpacked from
  std::string media_type;        // of that blob
  uint64_t blob_size = 0;
  uint64_t diff_size = 0;  // bytes of the uncompressed tar
};

struct ImageRecord {
  Digest id;  // the digest of the image config, as docker and podman name images
  Digest manifest;
  std::string manifest_media_type;
  std::vector<std::string> names;    // normalised tagged references ("docker.io/library/busybox:1.36")
  std::vector<std::string> digests;  // repository digests ("docker.io/library/busybox@sha256:…")
  std::vector<Digest> layers;        // chain ids, bottom first
  std::string created;               // when it was stored (RFC 3339)
  uint64_t size = 0;                 // the sum of its layers' uncompressed sizes

  // The first 12 hex characters of the id, as `skiff images` shows it.
  [[nodiscard]] std::string short_id() const { return std::string(id.hex().substr(0, 12)); }
};

// A container that uses an image (registered by rootfs.h): rmi refuses to remove its image
// unless forced, and gc keeps its layers even then.
struct ContainerRecord {
  std::string id;
  Digest image;
  std::vector<Digest> layers;  // chain ids, bottom first
  std::string created;
};

struct GcResult {
  size_t blobs = 0;
  size_t layers = 0;
  size_t temporaries = 0;  // partial downloads, staging dirs, lock files
  uint64_t bytes = 0;      // of the blobs removed
};

struct RemoveResult {
  std::vector<std::string> untagged;  // the names removed
  std::optional<Digest> removed;      // the image, when its last name went (or it was named by id)
};

class Store;

// A download of one blob in progress: tmp/blob-<hex>, appended to as bytes arrive, and locked
// (flock) so one process at a time writes it. A later download resumes from size().
class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept = default;
  BlobWriter& operator=(BlobWriter&&) noexcept = default;
  ~BlobWriter() = default;

  // The bytes already on disk (from an earlier, interrupted download).
  [[nodiscard]] uint64_t size() const { return size_; }
  // A stream of the bytes already on disk, to hash them before the rest arrives.
  [[nodiscard]] std::unique_ptr<ByteSource> read_existing() const;
  void append(std::span<const std::byte> data);
  // Starts over (a partial download that turned out corrupt).
  void truncate();
  // Moves the finished file to blobs/sha256/<hex> when computed (the digest of everything
  // written) is the digest this writer was made for; otherwise the partial file is emptied and
  // the error names both digests.
  void commit(const Digest& computed);

 private:
  friend class Store;
  BlobWriter(const Store& store, Digest digest, UniqueFd fd, uint64_t size);
  const Store* store_;
  Digest digest_;
  UniqueFd fd_;  // O_RDWR|O_APPEND, flocked
  uint64_t size_;
};

// The right to make one layer: a flock on tmp/layer-<hex>.lock (held until commit or
// destruction) and an empty staging dir, tmp/layer-<hex>-<random>/diff.
class LayerWriter {
 public:
  LayerWriter(LayerWriter&&) noexcept = default;
  LayerWriter& operator=(LayerWriter&&) noexcept = default;
  ~LayerWriter();

  // The staging dir to unpack into (O_DIRECTORY).
  [[nodiscard]] int diff_fd() const { return diff_fd_.get(); }
  // Writes layer.json and renames the staging dir to layers/<chain-id-hex>. record.chain_id
  // must be the chain id this writer was made for.
  void commit(const LayerRecord& record);

 private:
  friend class Store;
  LayerWriter(const Store& store, Digest chain_id, std::string staging, UniqueFd lock, UniqueFd diff_fd);
  const Store* store_;
  Digest chain_id_;
  std::string staging_;
  UniqueFd lock_;
  UniqueFd diff_fd_;
  bool committed_ = false;
};

// A shared (writers) or exclusive (gc) hold on store.lock.
class StoreLock {
 public:
  [[nodiscard]] bool held() const { return fd_.valid(); }

 private:
  friend class Store;
  explicit StoreLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

class Store {
 public:
  // Opens the store at root, creating its directories. rootless picks the layer unpacking and
  // overlay mode (user.overlay.* xattrs instead of trusted.overlay.*).
  Store(std::string root, bool rootless);
  // The default root for the caller, rootless when running_rootless().
  Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // /var/lib/skiff as root, $XDG_DATA_HOME/skiff (default ~/.local/share/skiff) rootless.
  static std::string default_root();
  // True unless the caller is root in the initial user namespace.
  static bool running_rootless();

  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] bool rootless() const { return rootless_; }
  // An O_PATH|O_DIRECTORY fd of the root.
  [[nodiscard]] int root_fd() const { return root_fd_.get(); }

  // ---- blobs
  [[nodiscard]] std::string blob_path(const Digest& digest) const;
  [[nodiscard]] bool has_blob(const Digest& digest) const;
  // A stored blob read whole; errors when it is larger than max_bytes or does not match digest.
  [[nodiscard]] std::string read_blob(const Digest& digest, uint64_t max_bytes) const;
  // A stored blob as a stream (not verified again: it was verified when committed).
  [[nodiscard]] std::unique_ptr<ByteSource> open_blob(const Digest& digest) const;
  // Stores data as the blob digest, after checking that it hashes to digest. Concurrent writers
  // of the same blob are fine.
  void put_blob(const Digest& digest, std::string_view data) const;
  // Starts or resumes the download of digest; none when the blob is already stored. Waits while
  // another process downloads it.
  [[nodiscard]] std::optional<BlobWriter> begin_blob(const Digest& digest) const;

  // ---- layers
  [[nodiscard]] bool has_layer(const Digest& chain_id) const;
  // layers/<hex>/diff: the overlay lower dir.
  [[nodiscard]] std::string layer_dir(const Digest& chain_id) const;
  [[nodiscard]] LayerRecord layer(const Digest& chain_id) const;
  [[nodiscard]] std::vector<LayerRecord> layers() const;
  // The right to make chain_id; none when it is (or, after waiting for another maker, has
  // become) present.
  [[nodiscard]] std::optional<LayerWriter> begin_layer(const Digest& chain_id) const;

  // ---- images
  [[nodiscard]] std::vector<ImageRecord> images() const;
  // Finds an image by "sha256:<id>", a unique id prefix (hex), a name ("busybox" is
  // docker.io/library/busybox:latest) or a name with a manifest digest. Ambiguous id prefixes
  // are an error.
  [[nodiscard]] std::optional<ImageRecord> find_image(std::string_view name_or_id) const;
  // The same; "image <text> not known" when there is none.
  [[nodiscard]] ImageRecord image(std::string_view name_or_id) const;
  // Adds record (its manifest and config blobs and its layers must be stored) or, when the id is
  // known, merges its names, digests and manifest into it. A name moves from any image that had
  // it. Returns the stored record.
  ImageRecord add_image(const ImageRecord& record) const;
  // Gives the image another name (a normalised reference).
  void tag_image(std::string_view name_or_id, std::string_view name) const;
  // rmi: by a name removes that name, and the image with its last name; by id removes the image
  // and all its names. Refuses while a container uses the image, unless force.
  RemoveResult remove_image(std::string_view name_or_id, bool force) const;

  // ---- containers (rootfs.h)
  // containers/<id>; the id is [A-Za-z0-9][A-Za-z0-9_.-]*.
  [[nodiscard]] std::string container_dir(std::string_view id) const;
  // Creates containers/<id>/ holding container.json, as a user of the image; errors when the
  // image is gone or the id is taken. durable: container.json is synced before it appears (not
  // for a container removed when it ends, whose writes are never synced either).
  ContainerRecord register_container(std::string_view id, std::string_view image_name_or_id, bool durable = true) const;
  // Removes containers/<id>/ and everything in it (the caller has unmounted it).
  void unregister_container(std::string_view id) const;
  // From now on unregister_container renames the container's dir into tmp/ and leaves its
  // deletion to a process that the caller does not wait for (remove_all_in_background): for a
  // command whose user waits for it, as `run --rm` (gc collects what such a process left).
  void remove_containers_in_background() { remove_containers_in_background_ = true; }
  [[nodiscard]] std::vector<ContainerRecord> containers() const;

  // ---- locks and gc
  // Held by a pull or import for its whole run, so gc never removes what it wrote but did not
  // index yet.
  [[nodiscard]] StoreLock lock_shared() const;
  // Removes blobs and layers that no image or container references and everything in tmp/
  // (waiting for writers to finish first).
  GcResult gc() const;

 private:
  friend class BlobWriter;
  friend class LayerWriter;
  [[nodiscard]] UniqueFd lock_index() const;
  [[nodiscard]] std::vector<ImageRecord> load_index() const;
  void save_index(const std::vector<ImageRecord>& images) const;
  [[nodiscard]] std::optional<size_t> find_in(const std::vector<ImageRecord>& images,
                                              std::string_view name_or_id) const;

  std::string root_;
  bool rootless_;
  bool remove_containers_in_background_ = false;
  UniqueFd root_fd_;
};

}  // namespace skiff::image
