#!/usr/bin/env bash
# The local equivalent of a CI matrix (docs/scale-out.md): one fixed certify campaign as N
# shards in N background processes, then `sessionspec merge`. Exits non-zero when a shard or the
# merge fails or a shard overruns its time bound; the shards left running are killed.
#
#   bash ci/shards.sh [N]                  # N shards (default 4) into out/shards/
#   bash ci/shards.sh --print-campaign     # the campaign's arguments, one per line
#
# SESSIONSPEC (default build/cli/sessionspec), OUT (default out/shards) and SHARD_TIMEOUT_S
# (default 120) override. The GitHub Actions workflow and the Kubernetes Indexed Job in
# docs/scale-out/ run the same campaign; tests/ci/scale_out_test.py checks that they do.
set -euo pipefail
cd "$(dirname "$0")/.."

# The campaign: every level for the in-process reference store, with budgets that keep each
# shard to seconds. Shards add --shard I/N and --report DIR.
campaign=(certify --handler memory --level 3 --seed 1 --cases 100 --schedules 200)

if [[ ${1:-} == --print-campaign ]]; then
  printf '%s\n' "${campaign[@]}"
  exit 0
fi
n=${1:-4}
if ! [[ $n =~ ^[1-9][0-9]{0,3}$ ]]; then
  echo "ci/shards.sh: N must be a number of shards in 1..9999, got '$n'" >&2
  exit 2
fi
bin=${SESSIONSPEC:-build/cli/sessionspec}
out=${OUT:-out/shards}
timeout_s=${SHARD_TIMEOUT_S:-120}
rm -rf "$out"
mkdir -p "$out"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

t0=$SECONDS
for i in $(seq 1 "$n"); do
  # `timeout` bounds each shard; its exit code 124 names an overrun.
  timeout "$timeout_s" "$bin" "${campaign[@]}" --shard "$i/$n" --report "$out/shard-$i" \
    >"$out/shard-$i.log" 2>&1 &
  pids+=("$!")
done
failed=0
for i in $(seq 1 "$n"); do
  rc=0
  wait "${pids[$((i - 1))]}" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "ci/shards.sh: shard $i/$n failed (exit $rc; 124: over ${timeout_s} s); $out/shard-$i.log:"
    tail -5 "$out/shard-$i.log"
    failed=1
  fi
done
pids=()
echo "ci/shards.sh: $n shards in $((SECONDS - t0)) s"
[[ $failed -eq 0 ]] || exit 1
dirs=()
for i in $(seq 1 "$n"); do dirs+=("$out/shard-$i"); done
timeout "$timeout_s" "$bin" merge "${dirs[@]}" --out "$out/merged"
echo "ci/shards.sh: merged into $out/merged (certificate.json, junit.xml, report.html)"
