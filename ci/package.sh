#!/usr/bin/env bash
# The Debian package, as a user gets it: builds sessionspec_*.deb and sessionspec-dev_*.deb from
# the plain build directory (build/, made by ci/test.sh; rebuilt incrementally if needed) with
# `cpack -G DEB`, installs sessionspec_*.deb with apt-get (which pulls its declared
# dependencies), runs `sessionspec certify --handler memory --report DIR` from a directory
# outside the source tree, and asserts exit 0 and DIR/report.html. The package is removed again
# at the end, also when a step fails. As root (apt-get). Environment: BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "ci/package.sh: run as root (it installs a package)" >&2; exit 2; }
if dpkg-query -W -f='${Status}' sessionspec 2>/dev/null | grep -q 'install ok installed'; then
  echo "ci/package.sh: a sessionspec package is installed already; remove it first" >&2
  exit 2
fi
bash ci/install-deps.sh
bash ci/build.sh
build_dir=$(cd "${BUILD_DIR:-build}" && pwd)
work=$(mktemp -d)
cleanup() {
  apt-get purge -y -qq sessionspec >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$build_dir" && cpack -G DEB -B "$work/debs" >/dev/null)
debs=("$work"/debs/sessionspec_*.deb)
[[ -f "${debs[0]}" ]] || { echo "ci/package.sh: cpack made no sessionspec_*.deb" >&2; exit 1; }
echo "package: $(basename "${debs[0]}") ($(du -k "${debs[0]}" | cut -f1) KiB), depends on:" \
     "$(dpkg-deb -f "${debs[0]}" Depends)"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${debs[0]}" >/dev/null

# Outside the source tree, with the installed command only.
mkdir "$work/elsewhere"
cd "$work/elsewhere"
/usr/bin/sessionspec --version
set +e
/usr/bin/sessionspec certify --handler memory --report "$work/report"
status=$?
set -e
if [[ $status -ne 0 ]]; then
  echo "ci/package.sh: the installed sessionspec certify --handler memory exited $status" >&2
  exit 1
fi
if [[ ! -s "$work/report/report.html" ]]; then
  echo "ci/package.sh: the installed sessionspec wrote no report.html" >&2
  exit 1
fi
echo "package: the installed sessionspec certified memory from $work/elsewhere" \
     "($(du -k "$work/report/report.html" | cut -f1) KiB report)"
