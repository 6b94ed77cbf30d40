#!/usr/bin/env bash
# Makes the unprivileged user that the rootless tests run as: skiff-rootless, with a home
# directory and subordinate uid and gid ranges for newuidmap/newgidmap. Run as root; idempotent
# (an existing user, range or mode is left as it is).
set -euo pipefail

user=${SKIFF_ROOTLESS_USER:-skiff-rootless}
range_start=${SKIFF_ROOTLESS_SUBID_START:-200000}
range_size=65536

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-rootless-user: run as root (it adds the user $user)" >&2
  exit 1
fi

for tool in useradd newuidmap newgidmap; do
  if ! command -v "$tool" >/dev/null; then
    echo "setup-rootless-user: $tool is missing; run scripts/install-deps.sh (packages passwd, uidmap)" >&2
    exit 1
  fi
done

if ! id -u "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --comment "skiff rootless tests" "$user"
fi
home=$(getent passwd "$user" | cut -d: -f6)
if [[ ! -d $home ]]; then
  mkdir -p "$home"
  chown "$user:" "$home"
  chmod 0700 "$home"
fi

# useradd may already have given the user a range (SUB_UID_MIN in login.defs): any range for
# the user will do, so a line is added only when the user has none.
for file in /etc/subuid /etc/subgid; do
  touch "$file"
  if ! grep -q "^$user:" "$file"; then
    echo "$user:$range_start:$range_size" >>"$file"
  fi
done

# udev makes /dev/net/tun 0666 on a standard Debian; slirp4netns (rootless networking) needs it.
if [[ -c /dev/net/tun ]]; then
  chmod 0666 /dev/net/tun
fi
