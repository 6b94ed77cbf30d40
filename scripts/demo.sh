#!/usr/bin/env bash
# The main job on its embedded defaults: a pod of two containers made with the skiff CLI. An image
# is made from busybox-static (no registry needed), a pod publishes port 8080, one container serves
# HTTP in it, the other fetches that page over the pod's localhost, and the page is fetched again
# from the host side through the published port.
#
# As root, the pod's bridge, veth and nftables rules are made in a network namespace of the demo's
# own, so the machine's own interfaces and firewall are never touched; the store and state live
# in temporary directories. Everything is removed at the end.
#   demo.sh [BUILD_DIR]
set -euo pipefail
build=$(realpath "${1:-build}")
skiff_binary=$build/cmd/skiff/skiff
export SKIFF_PAUSE=$build/cmd/skiff-pause/skiff-pause

if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run it as root (make demo); rootless skiff is shown in the README" >&2
  exit 1
fi
if [[ ${SKIFF_DEMO_IN_NETNS:-} != 1 ]]; then
  SKIFF_DEMO_IN_NETNS=1 exec unshare --net -- "$0" "$@"
fi
ip link set lo up

work=$(mktemp -d /tmp/skiff-demo-XXXXXX)
skiff() {
  echo "+ skiff $*" >&2
  "$skiff_binary" --root "$work/store" --runroot "$work/run" "$@"
}
cleanup() {
  "$skiff_binary" --root "$work/store" --runroot "$work/run" pod rm --all --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The demo image: busybox-static with its applets, run as root by default.
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/www"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
tar -C "$rootfs" -cf "$work/rootfs.tar" .
skiff import -q --change 'CMD ["sh"]' "$work/rootfs.tar" skiff-demo/busybox:latest >/dev/null

skiff pod create --name demo --publish 8080:80
skiff run -d --pod demo --name web skiff-demo/busybox \
  sh -c 'echo "hello from $(hostname), served by pid $$ of container web" > /www/index.html; exec httpd -f -p 80 -h /www'
echo "--- the second container of the pod fetches the page over localhost:"
skiff run --rm --pod demo --name fetch skiff-demo/busybox \
  sh -c 'for i in $(seq 50); do wget -qO- http://localhost:80/ && exit 0; sleep 0.1; done; exit 1'
echo "--- the host side fetches it through the published port 8080:"
echo "+ curl http://127.0.0.1:8080/" >&2
curl -s --retry 5 --retry-connrefused --retry-delay 0 http://127.0.0.1:8080/
skiff pod ps
skiff ps
skiff pod rm --force demo
