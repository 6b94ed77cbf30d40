#!/usr/bin/env bash
# Builds the vm test layer's guest: Debian 12 with systemd as PID 1 on cgroup v2, a cloud kernel,
# two unprivileged users with lingering systemd user sessions, and a service that runs whatever
# tests the payload disk brings (guest/skiff-vm-guest). Prints the directory holding
# rootfs.img, vmlinuz and initrd.img.
#   image.sh [--cache DIR]      (default /var/cache/skiff-vm)
# The image is cached under a hash of its recipe (this script and guest/), and rebuilt only when
# that changes; older images are removed. The Debian mirror is the host's own (its apt sources).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SKIFF_VM_CACHE:-/var/cache/skiff-vm}
if (($# >= 2)) && [[ $1 == --cache ]]; then
  cache=$2
fi

recipe=$(cat "${BASH_SOURCE[0]}" "$here"/guest/* | sha256sum | cut -c1-16)
image_dir=$cache/$recipe
if [[ -f $image_dir/ready ]]; then
  echo "$image_dir"
  exit 0
fi
# One build at a time; a second caller waits, then finds the image ready.
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [[ -f $image_dir/ready ]]; then
  echo "$image_dir"
  exit 0
fi

# The host's Debian sources (one-line or deb822 files), handed to mmdebstrap as they are.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  if [[ -f $f ]] && grep -Eq '^[^#]*(deb\.debian\.org|debian)' "$f" && ! grep -q 'nodesource\|google' "$f"; then
    sources+=("$f")
  fi
done
if ((${#sources[@]} == 0)); then
  echo "image.sh: no Debian apt source found in /etc/apt/sources.list{,.d/}: the guest needs a mirror" >&2
  exit 1
fi

work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

packages=(
  # the host of the common kind: systemd on cgroup v2, D-Bus, user sessions
  systemd systemd-sysv udev dbus dbus-user-session libpam-systemd
  linux-image-cloud-amd64 initramfs-tools kmod
  # what skiff's binaries and tests use in the guest
  libstdc++6 libseccomp2 libcap2 busybox-static uidmap util-linux procps iproute2 e2fsprogs
  # the image and control plane modules' unit tests (archives, inflate, zstd, TLS, SQLite, YAML)
  libarchive13 libisal2 libzstd1 libssl3 libsqlite3-0 libyaml-0-2 zstd
  # the CLI's unit tests, which link the pod module and so netns (netlink, nftables)
  libnl-3-200 libnl-route-3-200 libnftables1
  # peers for the benchmark
  crun runc python3 time
)
include=$(
  IFS=,
  echo "${packages[*]}"
)

echo "image.sh: building the Debian 12 guest in $image_dir (about 3 minutes)" >&2
mmdebstrap --variant=apt --include="$include" \
  --customize-hook='cp "'"$here"'/guest/skiff-vm-guest" "$1/usr/local/sbin/skiff-vm-guest"' \
  --customize-hook='cp "'"$here"'/guest/skiff-vm-tests.service" "$1/etc/systemd/system/"' \
  --customize-hook='cp "'"$here"'/guest/setup.sh" "$1/tmp/setup.sh" && chroot "$1" bash /tmp/setup.sh && rm "$1/tmp/setup.sh"' \
  --customize-hook='cp "$1"/boot/vmlinuz-* "'"$work"'/vmlinuz" && cp "$1"/boot/initrd.img-* "'"$work"'/initrd.img"' \
  bookworm "$work/rootfs" "${sources[@]}" >&2

# A raw ext4 image made straight from the tree; qemu opens it with snapshot=on, so it stays clean.
mke2fs -q -t ext4 -L skiff-root -d "$work/rootfs" "$work/rootfs.img" 3G >&2
rm -rf "$work/rootfs"
touch "$work/ready"
find "$cache" -mindepth 1 -maxdepth 1 -type d -regextype egrep -regex '.*/[0-9a-f]{16}' -exec rm -rf {} +
mv "$work" "$image_dir"
trap - EXIT
echo "$image_dir"
