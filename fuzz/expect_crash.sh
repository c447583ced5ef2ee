#!/usr/bin/env bash
# expect_crash.sh FUZZER SECONDS PREFIX: runs a libFuzzer binary that must crash (the canary) from
# an empty corpus for at most SECONDS, and passes only when it did: a non-zero exit status and a
# crash-* artifact whose first bytes are PREFIX. Anything else (no crash in time, a crash on other
# input, a binary that does not start) fails, so a broken fuzzing set-up cannot pass silently.
set -u
fuzzer=$1
seconds=${2:-30}
prefix=${3:-SESSION}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
start=$(date +%s.%N)
"$fuzzer" -max_total_time="$seconds" -seed=1 -artifact_prefix="$work/" "$work/corpus" \
  >"$work/log" 2>&1
status=$?
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
crash=$(find "$work" -maxdepth 1 -name 'crash-*' | head -n 1)
if [[ $status -ne 0 && -n "$crash" && "$(head -c "${#prefix}" "$crash")" == "$prefix" ]]; then
  echo "expect_crash: $(basename "$fuzzer") crashed as planted after ${elapsed} s (exit $status)"
  exit 0
fi
echo "expect_crash: $(basename "$fuzzer") did not find the planted crash in ${seconds} s" \
  "(exit $status, artifact: ${crash:-none})" >&2
tail -n 30 "$work/log" >&2
exit 1
