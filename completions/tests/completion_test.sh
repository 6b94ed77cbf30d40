#!/usr/bin/env bash
# Drives completions/skiff.bash as bash would (COMP_WORDS, COMP_CWORD, _skiff) against the built
# skiff, with a store of its own holding one imported image.
set -euo pipefail
skiff=$1
source "$(dirname "$0")/../skiff.bash"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/rootfs"
echo hi >"$dir/rootfs/hello"
tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
"$skiff" --root "$dir/store" import -q "$dir/rootfs.tar" completion/test:1 >/dev/null

failures=0
expect() {
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _skiff
  local got="${COMPREPLY[*]}"
  if [[ $got != "$want" ]]; then
    echo "FAIL: ${*:2}: want '$want', got '$got'" >&2
    failures=$((failures + 1))
  fi
}

expect "images import info inspect image" "$skiff" i
expect "ps port" "$skiff" container p
expect "bridge none host slirp4netns container:" "$skiff" run --network ""
expect "on-failure" "$skiff" run --restart o
expect "TERM" "$skiff" kill -s T
expect "pull ls rm tag inspect load save import prune" "$skiff" image ""
expect "prune info" "$skiff" system ""
expect "--help --quiet --platform --creds --authfile --tls-verify" "$skiff" pull --
expect "--tls-verify" "$skiff" pull --t
expect "docker-archive oci-archive oci-dir" "$skiff" save --format ""
expect "table json" "$skiff" images --format ""
expect "debug info warn error" "$skiff" --log-level ""
expect "docker.io/completion/test:1" "$skiff" --root "$dir/store" rmi docker.
expect "docker.io/completion/test:1" "$skiff" --root "$dir/store" image inspect docker
expect "ls load" "$skiff" --root "$dir/store" image l
"$skiff" --root "$dir/store" --runroot "$dir/run" create --name completion-box --network none completion/test:1 /hello >/dev/null
expect "completion-box" "$skiff" --root "$dir/store" --runroot "$dir/run" rm comp
expect "completion-box" "$skiff" --root "$dir/store" --runroot "$dir/run" container logs c
"$skiff" --root "$dir/store" --runroot "$dir/run" rm completion-box >/dev/null
expect "create ls inspect rm prune" "$skiff" volume ""
"$skiff" --root "$dir/store" --runroot "$dir/run" volume create completion-data >/dev/null
expect "completion-data" "$skiff" --root "$dir/store" --runroot "$dir/run" volume rm comp
"$skiff" --root "$dir/store" --runroot "$dir/run" volume rm completion-data >/dev/null
expect "create start stop rm ps inspect logs" "$skiff" pod ""
"$skiff" --root "$dir/store" --runroot "$dir/run" pod create --name completion-pod --network none >/dev/null
expect "completion-pod" "$skiff" --root "$dir/store" --runroot "$dir/run" pod stop comp
expect "completion-pod" "$skiff" --root "$dir/store" --runroot "$dir/run" run --pod comp
"$skiff" --root "$dir/store" --runroot "$dir/run" pod rm -f completion-pod >/dev/null

if ((failures > 0)); then
  exit 1
fi
echo "completion: all cases pass"
