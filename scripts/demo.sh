#!/usr/bin/env bash
# The main job on its embedded defaults: a busybox bundle made from busybox-static, run with
# skiff-runtime. Needs root (or run it rootless: the bundle then gets `spec --rootless`).
set -euo pipefail
runtime=${1:-build/cmd/skiff-runtime}
runtime=$(realpath "$runtime")

bundle=$(mktemp -d /tmp/skiff-demo-XXXXXX)
root=$(mktemp -d /tmp/skiff-demo-root-XXXXXX)
cleanup() {
  "$runtime" --root "$root" delete --force skiff-demo >/dev/null 2>&1 || true
  rm -rf "$bundle" "$root"
}
trap cleanup EXIT

mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ $applet == busybox ]] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$bundle/rootfs/etc/passwd"

spec_flags=()
[[ $(id -u) -eq 0 ]] || spec_flags+=(--rootless)
"$runtime" spec --bundle "$bundle" "${spec_flags[@]}"
# A non-interactive demo: no terminal, and a command that shows where it runs.
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["terminal"] = False
config["process"]["args"] = ["sh", "-c",
    "echo \"hello from $(hostname), pid $$ in its own pid namespace, as $(id -un)\"; "
    "echo \"capabilities: $(grep CapEff /proc/self/status)\"; "
    "echo \"root file system read-only: $(touch /x 2>&1 || true)\"; ps"]
json.dump(config, open(path, "w"), indent=2)
PY
echo "+ skiff-runtime run --bundle $bundle skiff-demo"
"$runtime" --root "$root" run --bundle "$bundle" skiff-demo
