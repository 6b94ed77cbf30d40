#!/usr/bin/env bash
# Runs the rootless test binary as the unprivileged user skiff-rootless. Called by ctest, as root:
#   run-as-user.sh <rootless test binary> <skiff-runtime> [<busybox>] [-- gtest arguments...]
# The build tree may sit where that user cannot read (a clone under /root), so the binaries are
# copied into a fresh world-readable directory; the user gets its own HOME, TMPDIR and
# XDG_RUNTIME_DIR there. SKIFF_ROOTLESS_EXTRA_BINARIES (space-separated paths, optional) are
# copied into the same bin directory under their own names (skiff-pause for the rootless pod
# tests, found next to the test binary). Exits with the test binary's exit code (77, skipped, when
# not run as root) and removes everything it made, skiff's rootless namespace holder included.
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 <test binary> <skiff-runtime> [<busybox>] [-- gtest args...]" >&2
  exit 2
fi
test_binary=$1
runtime=$2
shift 2
busybox=/bin/busybox
if (($# > 0)) && [[ $1 != -- ]]; then
  busybox=$1
  shift
fi
if (($# > 0)) && [[ $1 == -- ]]; then
  shift
fi

# 77: ctest reports the test as skipped (SKIP_RETURN_CODE), not passed, when not run as root.
if [[ $(id -u) -ne 0 ]]; then
  echo "run-as-user: SKIPPED: must run as root (it makes and switches to the rootless test user)" >&2
  exit 77
fi

user=${SKIFF_ROOTLESS_USER:-skiff-rootless}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/../../scripts/setup-rootless-user.sh"
uid=$(id -u "$user")
gid=$(id -g "$user")

top=$(mktemp -d /tmp/skiff-rootless-test.XXXXXX)
chmod 755 "$top"
# Runs a command as the test user.
as_user() {
  setpriv --reuid="$uid" --regid="$gid" --init-groups env XDG_RUNTIME_DIR="$top/xdg" "$@"
}
cleanup() {
  cd /
  # A crashed test may leave containers behind, in the default state root or in a test's own
  # (--root under TMPDIR): delete them as the user, then remove the tree.
  if [[ -x $top/bin/skiff-runtime ]]; then
    for root in "$top/xdg/skiff" "$top"/tmp/skiff-root-*; do
      [[ -d $root ]] || continue
      for id in $(as_user "$top/bin/skiff-runtime" --root "$root" list -q 2>/dev/null); do
        as_user "$top/bin/skiff-runtime" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
      done
    done
  fi
  # skiff's rootless namespace holder (pid and start time in pause.pid): ending it ends its user
  # and mount namespaces, and the container mounts in them.
  record=$top/xdg/skiff/pause.pid
  if [[ -f $record ]]; then
    read -r pid start <"$record" || true
    if [[ -r /proc/$pid/stat && $(cut -d' ' -f22 "/proc/$pid/stat") == "$start" ]]; then
      kill -KILL "$pid" || true
    fi
  fi
  rm -rf "$top"
}
trap cleanup EXIT

mkdir "$top/bin"
install -m 0755 "$test_binary" "$top/bin/rootless_integration_tests"
install -m 0755 "$runtime" "$top/bin/skiff-runtime"
install -m 0755 "$busybox" "$top/bin/busybox"
for extra in ${SKIFF_ROOTLESS_EXTRA_BINARIES:-}; do
  install -m 0755 "$extra" "$top/bin/$(basename "$extra")"
done
for dir in home tmp xdg; do
  install -d -m 0700 -o "$uid" -g "$gid" "$top/$dir"
done

cd "$top"
set +e
setpriv --reuid="$uid" --regid="$gid" --init-groups \
  env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME="$top/home" \
  USER="$user" \
  LOGNAME="$user" \
  TMPDIR="$top/tmp" \
  XDG_RUNTIME_DIR="$top/xdg" \
  SKIFF_RUNTIME="$top/bin/skiff-runtime" \
  SKIFF_BUSYBOX="$top/bin/busybox" \
  ${GTEST_COLOR:+GTEST_COLOR="$GTEST_COLOR"} \
  "$top/bin/rootless_integration_tests" "$@"
rc=$?
set -e
exit "$rc"
