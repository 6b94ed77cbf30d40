#!/usr/bin/env bash
# Says loudly which test layers of docs/architecture.md this tree cannot run yet, so that a
# green `make test` is never mistaken for a run of every layer.
set -euo pipefail
missing=(
  "vm: the cgroup v2 + systemd qemu guest is not built yet (issue: 'The cgroup v2 + systemd host')"
  "e2e: several nodes and the control plane do not exist yet"
)
if [[ ${1:-} == vm ]]; then
  missing=("${missing[0]}")
fi
echo "=================================================================="
echo "NOT RUN: these test layers do not exist yet:"
for m in "${missing[@]}"; do
  echo "  - $m"
done
echo "=================================================================="
