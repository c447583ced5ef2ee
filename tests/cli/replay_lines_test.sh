#!/usr/bin/env bash
# Issue #18, item 3: every failure kind's printed replay line, pasted into a shell, reproduces it.
# For each kind (L1 scenario, L2 counterexample, L3 race, surviving mutant) a run on a handler
# that fails that kind prints a replay line; the line runs through `bash -c` with `sessionspec`
# on PATH, and must exit 1 naming the same failure. The handlers are PHP classes under a
# namespace (App\Session\...) served by serve.php from a directory whose name has a space, or a
# files store in such a directory, so that the lines must quote both.
# Usage: replay_lines_test.sh SESSIONSPEC_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dir="$scratch/dir with space"
mkdir -p "$dir/battery/gist" "$dir/battery/lesson" "$dir/battery/php"
cp "$src/adapters/php/serve.php" "$dir/serve.php"
cp "$src/tests/cli/fixtures/SessionHandlers.php" "$dir/Session Handlers.php"
# The scenarios and races the runs read, copied under the spaced directory too.
cp -r "$src/scenarios" "$dir/scenarios"
# The printed lines start with `sessionspec`: the binary under test is the one on PATH.
export PATH="$(cd "$(dirname "$bin")" && pwd):$PATH"
export NO_COLOR=1
php_uri() { printf "exec:php '%s/serve.php' '%s/Session Handlers.php' '%s'" "$dir" "$dir" "$1"; }
leaky=$(php_uri 'App\Session\LeakyHandler')
good=$(php_uri 'App\Session\MemoryHandler')
passed=0
failed=0

fail() {
  failed=$((failed + 1))
  echo "FAILED $1"
  shift
  printf '%s\n' "$@" | head -40
}

# The first `replay: ` line of OUTPUT (indentation and table columns before it dropped).
first_replay() { sed -n 's/^.*replay: //p' <<<"$1" | head -1; }

# replays NAME WANT OUTPUT: the first replay line of OUTPUT, run by bash, exits 1 and prints WANT.
replays() {
  local name=$1 want=$2 out=$3 line got rc
  line=$(first_replay "$out")
  if [[ -z $line ]]; then
    fail "$name: no replay line" "$out"
    return
  fi
  got=$(cd "$scratch" && timeout 300 bash -c "$line" 2>&1)
  rc=$?
  if [[ $rc -eq 1 ]] && grep -qF -- "$want" <<<"$got"; then
    passed=$((passed + 1))
  else
    fail "$name: '$line' -> exit $rc (want 1 and '$want')" "$got"
  fi
}

# L1: certify names the failing scenario with a `sessionspec check` line; so does check itself.
out=$(timeout 300 "$bin" certify --handler "$leaky" --scenarios "$dir/scenarios" --level 1 \
      --only L1.php 2>&1)
[[ $? -eq 1 ]] || fail "L1: certify did not fail" "$out"
want=$(sed -n 's/^.* L1\.php[.a-z-]*  *fail  *//p' <<<"$out" | head -1)
[[ -n $want ]] || fail "L1: no failing row" "$out"
[[ $(first_replay "$out") == "sessionspec check '$dir/scenarios/php/"* ]] ||
  fail "L1: the replay line is not a quoted check of the scenario" "$out"
replays L1_CertifyRow "${want:0:40}" "$out"
out=$(timeout 300 "$bin" check "$dir"/scenarios/php/*.scn --handler "$leaky" 2>&1)
replays L1_Check "${want:0:40}" "$out"

# L2: the shrunk counterexample replays from its token alone.
out=$(timeout 300 "$bin" certify --handler "$leaky" --scenarios "$dir/scenarios" --level 2 \
      --only L2.contract.php-8.2 --cases 30 2>&1)
[[ $? -eq 1 ]] || fail "L2: certify did not fail" "$out"
[[ $(first_replay "$out") == "sessionspec replay "*reproduce=* ]] ||
  fail "L2: the replay line is not sessionspec replay TOKEN" "$out"
replays L2_Counterexample "falsified" "$out"

# L3: a "serialised" table whose lock is gone after read() loses an update; explore --replay
# of the race scenario (a path with a space) shows it again.
out=$(timeout 300 "$bin" certify --handler mutant:lock-released-after-read+table:replay-lines \
      --scenarios "$dir/scenarios" --only L3.race.race-disjoint-keys --schedules 20 2>&1)
[[ $? -eq 1 ]] || fail "L3: certify did not fail" "$out"
[[ $(first_replay "$out") == "sessionspec explore '$dir/scenarios/races/"*"--replay "* ]] ||
  fail "L3: the replay line is not a quoted explore --replay" "$out"
replays L3_Race "VIOLATION lost-update" "$out"

# Mutants: a mutant the (deliberately tiny) battery lets survive says how to run it again.
out=$(timeout 300 "$bin" mutants --handler "$good" --scenarios "$dir/battery" \
      --mutant payload-truncated --cases 1 2>&1)
[[ $? -eq 1 ]] || fail "mutant: it did not survive" "$out"
replays Mutant_Survivor "SURVIVED" "$out"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
