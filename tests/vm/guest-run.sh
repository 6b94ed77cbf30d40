#!/usr/bin/env bash
# Runs inside the guest, as root, from the payload disk that tests/vm/run.sh made: the suites its
# plan names. Exits non-zero when any test binary fails.
set -uo pipefail

payload=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
suites=()
gtest_args=()
# shellcheck source=/dev/null
source "$payload/plan"

# The binaries go to the root disk (a throw-away snapshot) where the test users can read them.
opt=/opt/skiff
rm -rf "$opt"
mkdir -p "$opt"
cp -r "$payload/bin" "$payload/bench" "$opt/"
chmod -R a+rX "$opt"
runtime=$opt/bin/skiff-runtime

echo "== guest: kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup, $(systemctl --version | head -n 1)"
echo "== cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# skiff-vm-guest has put this script in a leaf cgroup of its delegated service cgroup; the
# containers' cgroups go beside it.
failed=()
# run <name> <command...>: runs one test binary, records a failure.
run() {
  local name=$1
  shift
  echo "== $name"
  "$@"
  local rc=$?
  if ((rc != 0)); then
    failed+=("$name (exit $rc)")
  fi
}

# The plan's own --gtest_filter, and its other gtest arguments.
given_filter=--gtest_filter=*
other_args=()
for a in "${gtest_args[@]}"; do
  if [[ $a == --gtest_filter=* ]]; then
    given_filter=$a
  else
    other_args+=("$a")
  fi
done

# The vm binary's tests that the plan's filter selects, those of Rootless* suites (rootless) or
# the others (root), as one explicit --gtest_filter; empty when none.
vm_filter() {
  local want=$1 tests
  tests=$("$opt/bin/vm_integration_tests" --gtest_list_tests "$given_filter" | awk -v want="$want" '
    /^[^ ]/ { suite = $1; next }
    /^  / { rootless = suite ~ /^Rootless/; if ((want == "rootless") == rootless) { printf "%s%s%s", sep, suite, $1; sep = ":" } }')
  [[ -n $tests ]] && echo "--gtest_filter=$tests"
}

# run_vm <name> <root|rootless> <runner>: the vm binary's tests of one kind, if any are selected.
run_vm() {
  local name=$1 kind=$2 runner=$3 filter
  if [[ ! -x $opt/bin/vm_integration_tests ]]; then
    failed+=("$name: vm_integration_tests was not built")
    return
  fi
  filter=$(vm_filter "$kind")
  if [[ -z $filter ]]; then
    echo "== $name: no test selected"
    return
  fi
  run "$name" "$runner" "$opt/bin/vm_integration_tests" "$filter" "${other_args[@]}"
}

as_root() {
  env SKIFF_RUNTIME="$runtime" SKIFF_BUSYBOX=/bin/busybox "$@"
}

# Runs a command as skiff-rootless in its own systemd user session: a transient service of the
# user's manager, with its cgroup delegated, as a rootless user's shell would have.
as_user() {
  local uid
  uid=$(id -u skiff-rootless)
  for _ in $(seq 120); do
    [[ -S /run/user/$uid/bus ]] && break
    sleep 1
  done
  systemd-run --quiet --machine=skiff-rootless@.host --user --wait --pipe --collect \
    -p Delegate=yes -p WorkingDirectory=/tmp \
    --setenv=SKIFF_RUNTIME="$runtime" --setenv=SKIFF_BUSYBOX=/bin/busybox \
    --setenv=TMPDIR=/tmp "$@"
}

for suite in "${suites[@]}"; do
  case $suite in
    unit)
      for binary in "$opt"/bin/*_unit_tests; do
        run "unit: $(basename "$binary")" as_root "$binary" "${gtest_args[@]}"
      done
      ;;
    integration)
      run "integration: runtime_integration_tests" as_root "$opt/bin/runtime_integration_tests" "${gtest_args[@]}"
      ;;
    vm)
      run_vm "vm: vm_integration_tests (root)" root as_root
      ;;
    rootless)
      run "rootless: rootless_integration_tests (skiff-rootless)" as_user \
        "$opt/bin/rootless_integration_tests" "${gtest_args[@]}"
      run_vm "rootless: vm_integration_tests Rootless* (skiff-rootless)" rootless as_user
      ;;
    bench)
      run "bench: runtime-start" env BENCH_N="${BENCH_N:-20}" python3 "$opt/bench/runtime-start" --profile never "$runtime"
      ;;
  esac
done

if ((${#failed[@]} > 0)); then
  echo "== FAILED in the guest:"
  printf '   %s\n' "${failed[@]}"
  exit 1
fi
echo "== all suites passed in the guest"
