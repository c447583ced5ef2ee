#!/usr/bin/env bash
# The central verdicts of docs/certified-handlers.md, "The PHP ecosystem": handlers sessionspec
# did not write (adapters/php/ecosystem/), certified as PHP classes in real php8.2-cli, against
# the ctest redis and memcached fixtures. A few decisive rows, not the whole table (that is
# `certify --ecosystem`, ci/ecosystem.sh):
# - a real lock across processes passes the two-tabs race (Symfony's transactional PDO on
#   SQLite), no lock is a finding (Symfony's PDO with LOCK_NONE);
# - the handler bugs the docs name are caught with a replay line that reproduces them:
#   Symfony's memcached touch that answers true and stores nothing, Laravel's database handler
#   writing a regenerated id as an UPDATE of nothing, Laravel's file handler taking any id as a
#   file name, Laravel's cache handler refusing to destroy a session it never stored,
#   session_reset() under php-memcached's lock.
#   tests/php/certify_ecosystem_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
cd "$2" || exit 1
[ -n "${REDIS_PORT:-}" ] && [ -n "${MEMCACHED_PORT:-}" ] || {
  echo "needs REDIS_PORT and MEMCACHED_PORT (the ctest fixtures)"
  exit 77
}

# uri NAME: the php:class: URI of configuration NAME, as configurations.txt declares it
uri() {
  local line
  line=$(awk -v n="$1.php" 'index($2, n "?") == 1 { print $2 }' \
    adapters/php/ecosystem/configurations.txt)
  [ -n "$line" ] || fail "configurations.txt has no $1"
  echo "php:class:adapters/php/ecosystem/$line"
}

# row NAME PROPERTY: the verdict column of PROPERTY in certify's table $out/NAME.txt
row() { awk -v p="$2" '$2 == p { print $3; exit }' "$out/$1.txt"; }

# certify NAME CONFIG EXPECTED_EXIT ARGS...: certify CONFIG, its output in $out/NAME.txt
certify() {
  local name=$1 config=$2 want=$3
  shift 3
  "$bin" certify --handler "$(uri "$config")" "$@" >"$out/$name.txt" 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || { fail "certify $config $* exited $rc, expected $want"; cat "$out/$name.txt"; }
}

# oracle NAME CONFIG SCENARIO WORD: the scenario fails (exit 1) on CONFIG, naming WORD
oracle() {
  "$bin" oracle "$3" --handler "$(uri "$2")" >"$out/$1.txt" 2>&1
  local rc=$?
  [ "$rc" -eq 1 ] || { fail "$1: oracle $3 exited $rc, expected 1"; cat "$out/$1.txt"; }
  grep -q "$4" "$out/$1.txt" || { fail "$1: oracle $3 does not show $4"; cat "$out/$1.txt"; }
}

# --block-ms 1000: a step of a loaded machine's PHP process is not taken for a lock.
race=L3.race.race-two-tabs-counter
certify locked symfony-pdo-sqlite-transactional 0 --only "$race" --block-ms 1000
[ "$(row locked "$race")" = pass ] || fail "transactional PDO: $race is not pass"
certify unlocked symfony-pdo-sqlite-none 0 --only "$race" --block-ms 1000
[ "$(row unlocked "$race")" = finding ] || fail "PDO without a lock: $race is not a finding"
# session_reset() under php-memcached's lock: the second read cannot take the lock the first holds.
certify memcached-lock php-memcached-lock 1 --only L1.gist
[ "$(row memcached-lock L1.gist)" = fail ] || fail "php-memcached's lock: session_reset passes"
replays memcached-lock L1.gist "FAILURE  scenario gist-4-reset"

# Symfony's memcached touch after the session expired mid-request: true, and nothing stored.
oracle touch symfony-memcached scenarios/php/gc-expiry.scn "handler answer to read('fresh')"
# Laravel's database handler: the regenerated id is never stored.
oracle exists laravel-database-sqlite scenarios/php/regenerate-destroy.scn "expected: 'cart|"
# Laravel's file handler stores any id PHP hands it (a file name: `../x` leaves the directory).
oracle any-id laravel-file scenarios/php/user-handler-any-id.scn "handler answer to read('x.y;z')"
# Laravel's cache handler: destroy() of a session it never stored answers false.
oracle forget laravel-cache-redis scenarios/php/destroy-restart.scn "handler answer to destroy"

# A \SessionHandler over the files module: the module's own warning about an id it refuses
# reaches the script, as PHP shows it (the class harness once sent it to stderr).
"$bin" oracle scenarios/php/sessionhandler-illegal-id.scn --handler "$(uri symfony-native-file)" \
  >"$out/native-warning.txt" 2>&1 ||
  { fail "symfony-native-file: the files module's warning is lost"; cat "$out/native-warning.txt"; }
# The expired session a Symfony handler declaring `lazy` (no create_sid) calls unknown gets the
# id PHP makes (the oracle's model expires it as declared; it once kept the old id).
"$bin" oracle tests/php/scenarios/expired-strict-mode.scn \
  --handler "$(uri symfony-pdo-sqlite-transactional)" >"$out/expired.txt" 2>&1 ||
  { fail "symfony-pdo-sqlite-transactional: expired-strict-mode.scn"; cat "$out/expired.txt"; }

finish "ecosystem verdicts"
