#!/usr/bin/env bash
# The vm test layer: runs skiff's tests inside a Debian 12 guest with systemd on cgroup v2 (the
# host most users have), under qemu, and fails when any test fails.
#   run.sh [--build-dir DIR] [--suite NAME]... [--keep] [-- gtest arguments...]
# Suites (default: unit integration vm rootless):
#   unit         every *_unit_tests binary, as root
#   integration  runtime_integration_tests (the runtime's whole suite), as root
#   vm           vm_integration_tests (tests/vm/*_test.cpp) but its Rootless* suites, as root
#   rootless     rootless_integration_tests and vm_integration_tests' Rootless* suites, as the
#                user skiff-rootless (uid 1000, cpu cpuset io memory pids delegated) inside its
#                systemd user session, started by `systemd-run --user`
#   bench        bench/runtime-start: skiff-runtime, crun and runc start times in the guest
# gtest arguments (--gtest_filter=...) go to every test binary the chosen suites run.
# The guest image is built once by image.sh and cached (SKIFF_VM_CACHE, /var/cache/skiff-vm).
# KVM is used when it brings the guest up (the verdict is cached per host kernel), software
# emulation (tcg) otherwise; SKIFF_VM_ACCEL=tcg skips the KVM try, SKIFF_VM_ACCEL=kvm retries it.
# SKIFF_VM_TIMEOUT (seconds, default 2400) bounds the run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build_dir=$top/build
suites=()
keep=0
gtest_args=()
while (($# > 0)); do
  case $1 in
    --build-dir)
      build_dir=$(cd "$2" && pwd)
      shift 2
      ;;
    --suite)
      suites+=("$2")
      shift 2
      ;;
    --keep)
      keep=1
      shift
      ;;
    --)
      shift
      gtest_args=("$@")
      break
      ;;
    *)
      echo "run.sh: unknown argument '$1' (see the usage at the top of $0)" >&2
      exit 2
      ;;
  esac
done
if ((${#suites[@]} == 0)); then
  suites=(unit integration vm rootless)
fi
for s in "${suites[@]}"; do
  case $s in
    unit | integration | vm | rootless | bench) ;;
    *)
      echo "run.sh: --suite '$s': must be unit, integration, vm, rootless or bench" >&2
      exit 2
      ;;
  esac
done
if [[ $(id -u) -ne 0 ]]; then
  echo "run.sh: must run as root (it builds the guest image with mmdebstrap)" >&2
  exit 1
fi

image_dir=$("$here/image.sh")

run_dir=$(mktemp -d /var/tmp/skiff-vm-run.XXXXXX)
qemu_pid=
cleanup() {
  if [[ -n $qemu_pid ]]; then
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if ((keep)); then
    echo "run.sh: kept $run_dir" >&2
  else
    rm -rf "$run_dir"
  fi
}
trap cleanup EXIT

# The payload disk: the binaries (without debug info: the guest reads them from an emulated
# disk), the guest's test plan and its runner.
payload=$run_dir/payload
mkdir -p "$payload/bin"
add_binary() {
  objcopy --strip-debug "$1" "$payload/bin/$(basename "$1")"
}
add_binary "$build_dir/cmd/skiff-runtime"
while IFS= read -r -d '' binary; do
  add_binary "$binary"
done < <(find "$build_dir" -maxdepth 3 -type f -perm -u+x \( -name '*_unit_tests' -o -name '*_integration_tests' \) ! -name 'podman_*' -print0)
cp "$here/guest-run.sh" "$payload/"
cp -r "$top/bench" "$payload/"
{
  printf 'suites=('
  printf '%q ' "${suites[@]}"
  printf ')\ngtest_args=('
  if ((${#gtest_args[@]} > 0)); then
    printf '%q ' "${gtest_args[@]}"
  fi
  printf ')\n'
} >"$payload/plan"
payload_mb=$(($(du -sm "$payload" | cut -f1) * 5 / 4 + 64))
mke2fs -q -t ext4 -L skiff-payload -d "$payload" "$run_dir/payload.img" "${payload_mb}M"

timeout=${SKIFF_VM_TIMEOUT:-2400}
# boot <accel> <seconds>: starts qemu in the background (qemu_pid). With seconds > 0, returns 1
# (qemu stopped) when the guest has not printed its first result line by then.
boot() {
  local accel=$1 first_output=$2
  : >"$run_dir/results.log"
  : >"$run_dir/console.log"
  echo "run.sh: booting the guest ($accel, suites: ${suites[*]}); console log: $run_dir/console.log" >&2
  qemu-system-x86_64 -name skiff-vm -machine q35 -accel "$accel" -cpu max -smp 2 -m 3072 \
    -display none -monitor none -nic none -no-reboot \
    -kernel "$image_dir/vmlinuz" -initrd "$image_dir/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 panic=-1 hugepages=16 systemd.unified_cgroup_hierarchy=1" \
    -drive "file=$image_dir/rootfs.img,format=raw,if=virtio,snapshot=on" \
    -drive "file=$run_dir/payload.img,format=raw,if=virtio" \
    -serial "file:$run_dir/console.log" -serial "file:$run_dir/results.log" &
  qemu_pid=$!
  if ((first_output > 0)); then
    local until=$((SECONDS + first_output))
    until grep -q '^== guest:' "$run_dir/results.log"; do
      if ! kill -0 "$qemu_pid" 2>/dev/null || ((SECONDS >= until)); then
        kill "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
        qemu_pid=
        return 1
      fi
      sleep 1
    done
  fi
}

# KVM when it works, software emulation otherwise. On the machine this was written on, KVM is
# nested and the guest kernel crashed at boot under it: a KVM boot must show the guest's first
# result line within 120 s, and a failure is remembered per host kernel beside the images, so
# later runs go straight to emulation.
accel=${SKIFF_VM_ACCEL:-}
kvm_verdict=$(dirname "$image_dir")/kvm-$(uname -r)
if [[ -z $accel && -w /dev/kvm && $(cat "$kvm_verdict" 2>/dev/null) != broken ]] || [[ $accel == kvm ]]; then
  if boot kvm 120; then
    echo works >"$kvm_verdict"
  else
    echo broken >"$kvm_verdict"
    echo "run.sh: KVM did not bring the guest up within 120 s; software emulation from now on" \
      "(remove $kvm_verdict to try KVM again)" >&2
  fi
fi
if [[ -z $qemu_pid ]]; then
  boot tcg 0
fi

# Relays the guest's results as they arrive, until qemu exits or the time is up.
tail -f --pid="$qemu_pid" "$run_dir/results.log" &
tail_pid=$!
deadline=$((SECONDS + timeout))
while kill -0 "$qemu_pid" 2>/dev/null && ((SECONDS < deadline)); do
  sleep 2
done
if kill -0 "$qemu_pid" 2>/dev/null; then
  echo "run.sh: FAILED: the guest did not finish within ${timeout}s; the end of its console:" >&2
  tail -n 40 "$run_dir/console.log" >&2
  exit 1
fi
wait "$qemu_pid" || true
qemu_pid=
wait "$tail_pid" 2>/dev/null || true

rc=$(sed -n 's/^SKIFF_VM_EXIT \([0-9]*\).*/\1/p' "$run_dir/results.log" | tail -n 1)
if [[ -z $rc ]]; then
  echo "run.sh: FAILED: the guest stopped without reporting a result; the end of its console:" >&2
  tail -n 40 "$run_dir/console.log" >&2
  exit 1
fi
if ((rc != 0)); then
  echo "run.sh: FAILED: tests failed in the guest (exit $rc)" >&2
  exit 1
fi
echo "run.sh: every suite passed in the guest (${suites[*]})" >&2
