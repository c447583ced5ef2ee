#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan+UBSan) and fuzzes each one (docs/fuzzing.md).
#
#   ci/fuzz.sh [SECONDS_PER_TARGET]   time boxes (default 20 s per target; five targets, < 3 min)
#   ci/fuzz.sh --long [SECONDS_CAP]   a campaign: -runs=1000000 per target (RUNS=N overrides),
#                                     optionally capped at SECONDS_CAP seconds per target
#
# The build directory is the one of `ci/sanitize.sh address` (build-asan/, CMake preset asan), so
# after the sanitizer run the fuzzers are already built.
# First the canary must be found (a broken libFuzzer set-up fails here, not silently). Then, per
# target, every checked-in input of fuzz/corpus/<target>/ is replayed (a failing regression input
# is reported and that target is not fuzzed), and fuzzing starts from a copy of that corpus, so
# inputs found on the way never land in git.
# Time boxes fuzz from a fixed seed (FUZZ_SEED, default 1; campaigns draw one unless it is set).
# Prints executions per second and the seed per target; exits 1 if any target found something,
# naming the kept crash file and the replay command. Environment: FUZZ_PRESET (asan, the default, or
# fuzz-ubsan: UBSan only, build-fuzz-ubsan/), FUZZ_BUILD_DIR (default: the preset's directory),
# JOBS (build jobs, default 2), FUZZ_TARGETS (a subset, space-separated) and FUZZ_CORPUS_OUT (a
# directory to keep the grown corpora in, for minimising into fuzz/corpus/ by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=box
seconds=20
if [[ "${1:-}" == "--long" ]]; then
  mode=long
  shift
  seconds=${1:-0}
else
  seconds=${1:-20}
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: ci/fuzz.sh [--long] [SECONDS]" >&2; exit 2; }

preset=${FUZZ_PRESET:-asan}
case "$preset" in
  asan) default_dir=build-asan ;;
  fuzz-ubsan) default_dir=build-fuzz-ubsan ;;
  *) echo "ci/fuzz.sh: FUZZ_PRESET=$preset: want asan or fuzz-ubsan" >&2; exit 2 ;;
esac
build_dir=${FUZZ_BUILD_DIR:-$default_dir}
all_targets="codec_fuzz session_id_fuzz scenario_parser_fuzz trace_reader_fuzz differential_fuzz"
read -r -a targets <<<"${FUZZ_TARGETS:-$all_targets}"
# Largest input per target: enough for its structure, small enough to keep executions fast.
declare -A max_len=([codec_fuzz]=4096 [session_id_fuzz]=300 [scenario_parser_fuzz]=4096
                    [trace_reader_fuzz]=2048 [differential_fuzz]=256)

bash ci/install-deps.sh
# Preset asan is the configuration of ci/sanitize.sh address, so that the two share one build
# directory; fuzz-ubsan leaves ASan out, for long campaigns (docs/fuzzing.md).
cmake --preset "$preset" -B "$build_dir" >/dev/null
cmake --build "$build_dir" -j "${JOBS:-2}" --target canary_fuzz "${targets[@]}"

fuzz/expect_crash.sh "$build_dir/fuzz/canary_fuzz" 30 SESSION

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings_dir="$build_dir/fuzz-findings"
mkdir -p "$findings_dir"
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  # The checked-in inputs first, each whole (fuzzing would cut them to max_len): a regression
  # input that still fails is a finding, and fuzzing that target would only hit it again.
  set +e
  "$build_dir/fuzz/$t" "fuzz/corpus/$t"/* >"$work/$t/replay.log" 2>&1
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    status=1
    input=$(awk '/^Running: / { f = $2 } END { print f }' "$work/$t/replay.log")
    echo "fuzz: $t FAILS ON A CHECKED-IN INPUT (exit $rc): $input"
    grep -E -A 12 'property violated|ERROR: |runtime error' "$work/$t/replay.log" |
      grep -v '^    #' | head -n 30
    echo "fuzz: replay:     $build_dir/fuzz/$t $input"
    line=$(printf '%-22s %s' "$t" "REGRESSION: $input (not fuzzed)")
    echo "fuzz: $line"
    summary+=("$line")
    continue
  fi
  cp -r "fuzz/corpus/$t" "$work/$t/corpus"
  args=(-max_len="${max_len[$t]:-4096}" -timeout=10 -print_final_stats=1
        -artifact_prefix="$work/$t/")
  if [[ $mode == long ]]; then
    args+=(-runs="${RUNS:-1000000}" -max_total_time="$seconds")
  else
    args+=(-max_total_time="$seconds")
  fi
  # A time box explores from a fixed seed (FUZZ_SEED, default 1), so that two CI runs of the same
  # tree try the same inputs first and a box that passed here passes there; a campaign draws a
  # fresh seed unless FUZZ_SEED names one. Either way the seed is printed with the figures.
  if [[ $mode == box || -n "${FUZZ_SEED:-}" ]]; then
    args+=(-seed="${FUZZ_SEED:-1}")
  fi
  [[ -f "fuzz/$t.dict" ]] && args+=(-dict="fuzz/$t.dict")
  log="$work/$t/log"
  set +e
  "$build_dir/fuzz/$t" "${args[@]}" "$work/$t/corpus" >"$log" 2>&1
  rc=$?
  set -e
  seed=$(awk '/^INFO: Seed: / { print $3; exit }' "$log")
  runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log" | tail -n 1)
  rate=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$log" | tail -n 1)
  line=$(printf '%-22s %10s runs %8s exec/s  seed %s' "$t" "${runs:-?}" "${rate:-?}" "${seed:-?}")
  crash=$(find "$work/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
          -o -name 'timeout-*' -o -name 'oom-*' \) | head -n 1)
  if [[ $rc -ne 0 || -n "$crash" ]]; then
    status=1
    echo "fuzz: $t FOUND SOMETHING (exit $rc)"
    grep -E -A 12 'property violated|ERROR: |runtime error' "$log" | grep -v '^    #' | head -n 40
    if [[ -n "$crash" ]]; then
      kept="$findings_dir/$t-$(basename "$crash")"
      cp "$crash" "$kept"
      echo "fuzz: crash file: $kept"
      echo "fuzz: replay:     $build_dir/fuzz/$t $kept"
      line+="  FINDING: $kept"
    else
      line+="  FAILED (exit $rc, no artifact; log below)"
      tail -n 20 "$log"
    fi
  fi
  echo "fuzz: $line"
  summary+=("$line")
  if [[ -n "${FUZZ_CORPUS_OUT:-}" ]]; then
    mkdir -p "$FUZZ_CORPUS_OUT/$t"
    cp -r "$work/$t/corpus/." "$FUZZ_CORPUS_OUT/$t/"
  fi
done

echo "fuzz: summary ($mode mode)"
printf '  %s\n' "${summary[@]}"
exit $status
