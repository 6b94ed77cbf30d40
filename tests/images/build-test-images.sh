#!/usr/bin/env bash
# Builds the OCI image layouts the image tests use, once per recipe, into a cache outside the
# tree: /var/cache/skiff-test-images/<hash16>/<name>, where hash16 covers this script and the
# busybox-static it packs ($SKIFF_TEST_IMAGES_CACHE moves the cache root).
#
#   build-test-images.sh              builds the test images (a ctest fixture; needs root)
#   build-test-images.sh --print-dir  prints the cache dir of the current recipe, builds nothing
#   build-test-images.sh --bench      also builds `big`, the pull benchmark's image
#
# Every image is an OCI image layout whose index.json tags it "latest". What the tests may rely on:
#   busybox    one layer: /bin/busybox (static) with every applet as a symlink beside it,
#              /etc/passwd and /etc/group (root, app 1000:1000, nobody), /home/app owned by app,
#              /tmp 1777. Config: Entrypoint ["/bin/sh", "-c"], Cmd ["id -un; pwd; echo $SKIFF_IMAGE"],
#              Env PATH=… and SKIFF_IMAGE=busybox, WorkingDir /home/app, User app.
#   layered    busybox plus three layers under /data (SKIFF_IMAGE=layered), finally holding:
#              keep.txt ("kept\n", xattr user.skiff=layered), hard1 and hard2 (one inode,
#              "hardlinked\n"), link -> keep.txt, abs-link -> /bin/busybox, setuid (04755),
#              owned (1234:5678, 0640), owned-dir/ (1234:5678, 0750), empty-dir/, added.txt
#              ("layer 3\n"), dir/c ("opaque\n") and nothing else in dir/.
#              Layer 2 adds gone.txt, dir/a and dir/b; layer 3 deletes gone.txt (a whiteout) and
#              adds added.txt; layer 4 makes dir/ opaque (.wh..wh..opq) and adds dir/c.
#   multiarch  an image index (the blob index.json's "latest" points to) with linux/amd64 and
#              linux/arm64/v8 manifests: busybox's layer plus one layer with /etc/skiff-platform
#              holding "linux/amd64\n" or "linux/arm64\n"; each config names its architecture.
#   zstd       busybox with its layer recompressed as application/vnd.oci.image.layer.v1.tar+zstd.
#   big        (--bench only) a Debian 12 minbase rootfs (~150 MB of files) in
#              six layers split by directory, from mmdebstrap and the host's apt sources.
#
# Concurrent runs wait on a lock; images are built in a temp dir and renamed into place, so a
# reader sees a complete set or none. Recipes unused for 30 days are pruned.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${SKIFF_TEST_IMAGES_CACHE:-/var/cache/skiff-test-images}

mode=build
case "${1:-}" in
  "") ;;
  --print-dir) mode=print ;;
  --bench) mode=bench ;;
  *)
    echo "usage: $0 [--print-dir | --bench]" >&2
    exit 2
    ;;
esac

recipe_hash() {
  {
    cat "${BASH_SOURCE[0]}"
    dpkg-query -W -f='${Package} ${Version}\n' busybox-static 2>/dev/null || sha256sum /bin/busybox
  } | sha256sum | cut -c1-16
}
dir="$cache_root/$(recipe_hash)"

if [[ $mode == print ]]; then
  echo "$dir"
  exit 0
fi

log() { echo "build-test-images: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "needs root (image files owned by other users, setuid bits)"
for tool in umoci skopeo python3 busybox flock; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done

mkdir -p "$cache_root"
exec {lock_fd}>"$cache_root/.lock"
flock "$lock_fd"

work=""
cleanup() { [[ -z $work ]] || rm -rf "$work"; }
trap cleanup EXIT

# skopeo without the host's /etc/containers/policy.json (which may be absent).
skopeo_copy() { skopeo --insecure-policy copy --quiet "$@"; }

# The manifest digest index.json tags $2 in layout $1, and the blobs that reach it. Used to keep
# only reachable blobs after the multiarch rewrite, where `umoci gc` does not follow a nested index.
prune_unreachable_blobs() {
  python3 - "$1" <<'EOF'
import json, os, sys
layout = sys.argv[1]
blobs = os.path.join(layout, "blobs", "sha256")
reachable = set()
def walk(desc):
    hexd = desc["digest"].split(":", 1)[1]
    if hexd in reachable:
        return
    reachable.add(hexd)
    if desc["mediaType"].endswith(("manifest.v1+json", "index.v1+json")):
        doc = json.load(open(os.path.join(blobs, hexd)))
        for child in doc.get("manifests", []) + doc.get("layers", []) + ([doc["config"]] if "config" in doc else []):
            walk(child)
for desc in json.load(open(os.path.join(layout, "index.json")))["manifests"]:
    walk(desc)
for name in os.listdir(blobs):
    if name not in reachable:
        os.remove(os.path.join(blobs, name))
EOF
}

build_busybox() {
  local out=$1 bundle=$work/bundle-busybox
  umoci init --layout "$out"
  umoci new --image "$out:latest"
  umoci unpack --image "$out:latest" "$bundle"
  local root=$bundle/rootfs
  mkdir -p "$root"/{bin,etc,proc,sys,dev,root,tmp,home/app,var,usr/bin,usr/sbin,sbin}
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/home/app:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'app:x:1000:' 'nobody:x:65534:' >"$root/etc/group"
  chown 1000:1000 "$root/home/app"
  chmod 0700 "$root/root"
  chmod 1777 "$root/tmp"
  umoci repack --image "$out:latest" "$bundle"
  umoci config --image "$out:latest" --config.entrypoint /bin/sh --config.entrypoint -c \
    --config.cmd 'id -un; pwd; echo $SKIFF_IMAGE' \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.env SKIFF_IMAGE=busybox --config.workingdir /home/app --config.user app
  umoci gc --layout "$out"
}

build_layered() {
  local out=$1 bundle=$work/bundle-layered
  cp -a "$work/busybox" "$out"
  umoci unpack --image "$out:latest" "$bundle"
  local data=$bundle/rootfs/data
  # Layer 2: every kind of entry the unpacker must reproduce.
  mkdir -p "$data"/{dir,owned-dir,empty-dir}
  echo kept >"$data/keep.txt"
  python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.skiff", b"layered")' "$data/keep.txt"
  echo "deleted in layer 3" >"$data/gone.txt"
  echo a >"$data/dir/a"
  echo b >"$data/dir/b"
  echo hardlinked >"$data/hard1"
  ln "$data/hard1" "$data/hard2"
  ln -s keep.txt "$data/link"
  ln -s /bin/busybox "$data/abs-link"
  printf '#!/bin/sh\necho setuid\n' >"$data/setuid"
  chmod 04755 "$data/setuid"
  echo owned >"$data/owned"
  chown 1234:5678 "$data/owned" "$data/owned-dir"
  chmod 0640 "$data/owned"
  chmod 0750 "$data/owned-dir"
  umoci repack --refresh-bundle --image "$out:latest" "$bundle"
  # Layer 3: a deletion (umoci writes .wh.gone.txt) and an addition.
  rm "$data/gone.txt"
  echo "layer 3" >"$data/added.txt"
  umoci repack --image "$out:latest" "$bundle"
  # Layer 4: dir/ made opaque. umoci repack would whiteout a and b one by one, and umoci 0.4.7's
  # `insert --opaque` writes a truncated tar, so this layer's tar is written here.
  python3 - "$work/opaque.tar" <<'EOF'
import io, sys, tarfile, time
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tar:
    def add(name, kind, data=b"", mode=0o644):
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime, info.size = kind, mode, int(time.time()), len(data)
        tar.addfile(info, io.BytesIO(data) if data else None)
    add("data/dir", tarfile.DIRTYPE, mode=0o755)
    add("data/dir/.wh..wh..opq", tarfile.REGTYPE)
    add("data/dir/c", tarfile.REGTYPE, b"opaque\n")
EOF
  umoci raw add-layer --image "$out:latest" "$work/opaque.tar"
  umoci config --image "$out:latest" --clear config.env \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.env SKIFF_IMAGE=layered
  umoci gc --layout "$out"
}

build_multiarch() {
  local out=$1 arch
  cp -a "$work/busybox" "$out"
  for arch in amd64 arm64; do
    local bundle=$work/bundle-$arch
    umoci config --image "$out:latest" --tag "$arch" --architecture "$arch"
    umoci unpack --image "$out:$arch" "$bundle"
    echo "linux/$arch" >"$bundle/rootfs/etc/skiff-platform"
    umoci repack --image "$out:$arch" "$bundle"
  done
  # index.json's only entry becomes an image index over the two manifests.
  python3 - "$out" <<'EOF'
import hashlib, json, os, sys
layout = sys.argv[1]
index_path = os.path.join(layout, "index.json")
top = json.load(open(index_path))
by_tag = {d["annotations"]["org.opencontainers.image.ref.name"]: d for d in top["manifests"]}
platforms = {"amd64": {"architecture": "amd64", "os": "linux"},
             "arm64": {"architecture": "arm64", "os": "linux", "variant": "v8"}}
manifests = []
for arch, platform in platforms.items():
    d = by_tag[arch]
    manifests.append({"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"], "platform": platform})
blob = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": manifests}, separators=(",", ":")).encode()
digest = hashlib.sha256(blob).hexdigest()
with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
    f.write(blob)
top["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest,
                     "size": len(blob), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]
with open(index_path, "w") as f:
    json.dump(top, f, separators=(",", ":"))
EOF
  prune_unreachable_blobs "$out"
}

build_zstd() {
  local out=$1
  skopeo_copy --dest-compress-format zstd "oci:$work/busybox:latest" "oci:$out:latest"
  grep -q 'tar+zstd' "$out"/blobs/sha256/* || die "skopeo did not write zstd layers into $out"
}

# The host's Debian apt sources, as tests/vm/image.sh hands them to mmdebstrap.
debian_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    if [[ -f $f ]] && grep -Eq '^[^#]*(deb\.debian\.org|debian)' "$f" && ! grep -q 'nodesource\|google' "$f"; then
      echo "$f"
    fi
  done
}

# One layer of big from paths of its rootfs (tar arguments).
big_layer() {
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$work/big-rootfs" -cf "$work/big-layer.tar" "$@"
  umoci raw add-layer --image "$work/big:latest" "$work/big-layer.tar"
}

build_big() {
  local out=$1 rootfs=$work/big-rootfs
  command -v mmdebstrap >/dev/null || die "mmdebstrap not found: run scripts/install-deps.sh"
  local sources
  mapfile -t sources < <(debian_sources)
  ((${#sources[@]} > 0)) || die "no Debian apt source in /etc/apt/sources.list{,.d/}: big needs a mirror"
  log "building big from mmdebstrap (a few minutes)"
  mmdebstrap --quiet --variant=minbase \
    bookworm "$rootfs" "${sources[@]}" >&2
  umoci init --layout "$out"
  umoci new --image "$out:latest"
  # Six layers split by directory, as an image built in several steps would be.
  local -a usr_rest top_rest
  mapfile -t usr_rest < <(cd "$rootfs" && find usr -mindepth 1 -maxdepth 1 ! -name lib ! -name share | sort)
  mapfile -t top_rest < <(cd "$rootfs" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name var -printf '%P\n' | sort)
  big_layer usr/lib/x86_64-linux-gnu
  big_layer --exclude=usr/lib/x86_64-linux-gnu usr/lib
  big_layer usr/share
  big_layer "${usr_rest[@]}"
  big_layer var
  big_layer "${top_rest[@]}"
  rm -f "$work/big-layer.tar"
  umoci config --image "$out:latest" --config.cmd /bin/bash \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  umoci gc --layout "$out"
  log "big: $(du -sm "$rootfs" | cut -f1) MB of files"
}

if [[ ! -d $dir ]]; then
  log "building the test images into $dir"
  work=$(mktemp -d "$cache_root/.build-XXXXXX")
  build_busybox "$work/busybox"
  build_layered "$work/layered"
  build_multiarch "$work/multiarch"
  build_zstd "$work/zstd"
  rm -rf "$work"/bundle-* "$work/opaque.tar"
  # umoci writes blobs 0600; the rootless tests read the layouts as an unprivileged user.
  chmod -R a+rX "$work"
  mv -T "$work" "$dir"
  work=""
fi
touch "$dir/.last-used"

if [[ $mode == bench && ! -d $dir/big ]]; then
  work=$(mktemp -d "$cache_root/.build-big-XXXXXX")
  build_big "$work/big"
  chmod -R a+rX "$work/big"
  mv -T "$work/big" "$dir/big"
  rm -rf "$work"
  work=""
fi

# Recipes no run has used for 30 days, and builds a crash left behind.
for old in "$cache_root"/[0-9a-f]*; do
  if [[ $old != "$dir" && -d $old && -z $(find "$old/.last-used" -mtime -30 2>/dev/null) ]]; then
    rm -rf "$old"
  fi
done
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -name '.build-*' -mmin +120 -exec rm -rf {} +
