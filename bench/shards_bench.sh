#!/usr/bin/env bash
# Wall time of one fixed certify campaign unsharded vs as 2 local shards (background processes)
# plus their merge, side by side in one run (docs/benchmarks.md, "Sharding"). Also checks that
# the merged certificate equals the unsharded one (tests/cli/shard_compare.py).
#
#   bash bench/shards_bench.sh [SESSIONSPEC]      # default build/cli/sessionspec
#
# CAMPAIGN overrides the campaign's arguments (a string, split on spaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/cli/sessionspec}
read -r -a campaign <<<"${CAMPAIGN:-certify --handler memory --handler table:bench --level 3 \
--seed 1 --cases 100 --schedules 500}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

t0=$(now)
rc1=0
"$bin" "${campaign[@]}" --report "$tmp/whole" --junit "$tmp/whole/junit.xml" >"$tmp/whole.log" \
  2>&1 || rc1=$?
t1=$(now)
if [[ $rc1 -gt 1 ]]; then
  echo "the unsharded run failed (exit $rc1):"
  tail -5 "$tmp/whole.log"
  exit 1
fi
"$bin" "${campaign[@]}" --shard 1/2 --report "$tmp/s1" >"$tmp/s1.log" 2>&1 &
p1=$!
"$bin" "${campaign[@]}" --shard 2/2 --report "$tmp/s2" >"$tmp/s2.log" 2>&1 &
p2=$!
s1=0 s2=0
wait "$p1" || s1=$?
t_s1=$(now)
wait "$p2" || s2=$?
t_s2=$(now)
t_shards=$t_s2
rc2=0
"$bin" merge "$tmp/s1" "$tmp/s2" --out "$tmp/merged" >"$tmp/merge.log" 2>&1 || rc2=$?
t2=$(now)
[[ $rc1 -eq $rc2 ]] || { echo "exit codes differ: unsharded $rc1, merged $rc2"; exit 1; }
/usr/bin/python3 tests/cli/shard_compare.py certify "$tmp/whole" "$tmp/merged" >/dev/null
rows=$(grep -c '"property"' "$tmp/whole/certificate.json" || true)
echo "campaign: sessionspec ${campaign[*]}"
echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %8s\n' "" "wall s"
printf '%-28s %8.2f\n' "1 process (unsharded)" "$(elapsed "$t0" "$t1")"
printf '%-28s %8.2f\n' "2 shards, both done" "$(elapsed "$t1" "$t_shards")"
printf '%-28s %8.2f\n' "  of which merge" "$(elapsed "$t_shards" "$t2")"
printf '%-28s %8.2f\n' "2 shards + merge" "$(elapsed "$t1" "$t2")"
printf '%-28s %8s\n' "speed-up" \
  "$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.2fx", (b - a) / (c - b) }')"
echo "shard 1 ended after $(elapsed "$t1" "$t_s1") s, shard 2 after $(elapsed "$t1" "$t_s2") s"
echo "merged certificate equals the unsharded one (shard_compare.py); exit $rc1"
