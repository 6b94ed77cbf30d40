#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "skiff/image/byte_source.h"
#include "skiff/image/digest.h"

namespace skiff::image {

enum class Compression { none, gzip, zstd };

// The compression a layer media type names ("…tar+gzip", "…tar.gzip", "…tar+zstd", "…tar");
// the error names the media type.
Compression compression_of_media_type(std::string_view media_type);

// A decompressing stream over in (gzip through ISA-L's inflate, zstd through libzstd, none
// passes through). It throws once it has produced more than max_output bytes: the bound on a
// decompression bomb.
std::unique_ptr<ByteSource> decompress(Compression compression, ByteSource& in, uint64_t max_output);

struct UnpackOptions {
  // Rootless: device nodes are refused, overlay xattrs are user.overlay.* (overlayfs's userxattr)
  // instead of trusted.overlay.*, and owners outside the caller's user namespace are an error.
  bool rootless = false;
  // The largest total size of the uncompressed tar.
  uint64_t max_uncompressed_bytes = 64ULL << 30;
  // Called now and then with the compressed bytes read so far (progress bars).
  std::function<void(uint64_t)> progress;
};

struct UnpackResult {
  Digest diff_id;             // sha256 of the uncompressed tar
  uint64_t tar_bytes = 0;     // its size
};

// Unpacks one layer tar from blob into the directory dirfd (a layer's snapshot dir, empty or
// holding a partial earlier attempt), fd-relative and never outside it: absolute paths, "..",
// symlinks and hardlinks leading out, and writes through a symlink are refused with an error
// that names the entry. Whiteouts (.wh.<name>, .wh..wh..opq) become overlay whiteouts (a 0/0
// character device, the opaque xattr). Owners, modes, xattrs, mtimes and hardlinks are kept.
// The caller verifies diff_id against the image config before committing the snapshot.
UnpackResult unpack_layer(ByteSource& blob, Compression compression, int dirfd, const UnpackOptions& options);

}  // namespace skiff::image
