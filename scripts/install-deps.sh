#!/usr/bin/env bash
# Installs every package skiff needs to build, test and benchmark, on Debian 12.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  # build
  build-essential g++ cmake ninja-build pkg-config git
  clang-format clang-tidy
  # man pages: Markdown to roff, as podman makes its own
  go-md2man
  # libraries
  libseccomp-dev libcap-dev libsystemd-dev libboost1.81-dev libboost-json1.81-dev libcli11-dev
  libgtest-dev libgmock-dev libnl-3-dev libnl-route-3-dev libnftables-dev
  # images: TLS, SHA-256, tar reading, fast gzip inflate, zstd
  libssl-dev nettle-dev libarchive-dev libisal-dev libzstd-dev
  # skiff-server: the embedded store
  libsqlite3-dev
  # test and bench fixtures and peers
  busybox-static runc crun podman uidmap iproute2 procps util-linux hyperfine
  passwd sudo tmux
  # podman_integration_tests (conmon is what podman runs our runtime through); bench/runtime-start
  conmon python3 time strace
  # the vm test layer: a Debian guest with cgroup v2 and systemd (tests/vm)
  mmdebstrap qemu-system-x86 qemu-utils e2fsprogs
  # pods: nftables (nft, to inspect skiff's table in tests), slirp4netns (rootless networks)
  nftables slirp4netns
  # images: the tests' registry, pushing and building test images, htpasswd, test CAs, zstd
  # fixtures; curl for the API server tests
  docker-registry skopeo umoci apache2-utils openssl zstd curl
  # skiff-server: etcd for the store's second backend, kubectl's peer in tests
  etcd-server etcd-client
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
