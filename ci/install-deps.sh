#!/usr/bin/env bash
# Installs every Debian package sessionspec needs. Idempotent: when everything is already present it
# only runs dpkg-query and exits, so calling it before every build costs well under a second.
set -euo pipefail

packages=(
  cmake ninja-build pkg-config g++ clang-14 libclang-rt-14-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev libboost1.81-dev libsqlite3-dev
  libhiredis-dev redis-server redis-tools nlohmann-json3-dev libcli11-dev libfmt-dev
  python3 python3-jinja2 python3-pytest python3-jsonschema php8.2-cli php8.2-redis php8.2-sqlite3
  chromium clang-format-14 python3-setuptools python3-wheel dpkg-dev faketime python3-yaml
  # The PHP ecosystem's handlers (ci/ecosystem.sh, docs/certified-handlers.md): a memcached
  # server and php-memcached; Symfony 5.4 HttpFoundation; Laravel 8's session, database, cache and
  # redis components (Carbon in them needs mbstring).
  memcached php8.2-memcached php8.2-mbstring php-symfony-http-foundation php-illuminate-session
  php-illuminate-database php-illuminate-cache php-illuminate-redis
  # The PHPUnit bridge (adapters/phpunit/, ctest phpunit_bridge).
  phpunit
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# libboost1.81-dev conflicts with the 1.74 headers; the trailing '-' entries remove them if present.
apt-get install -y -qq --no-install-recommends "${missing[@]}" libboost-dev- libboost1.74-dev- >/dev/null
