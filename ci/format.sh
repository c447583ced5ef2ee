#!/usr/bin/env bash
# clang-format-14 with the repository's .clang-format, on C++ sources (*.cpp, *.hpp, *.h, *.cc).
#
#   ci/format.sh --check [FILE...]        exit 1 and list the files that are not formatted
#   ci/format.sh --fix [FILE...]          reformat those files in place
#   ci/format.sh --check --since REF      only the lines changed since REF (e.g. main): what a
#   ci/format.sh --fix --since REF        branch touched, leaving the lines it did not touch alone
#
# Without FILEs and without --since: every C++ file git tracks. Exit 0 when formatted (or fixed),
# 1 when --check found unformatted code, 2 on a usage error or a missing clang-format-14.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: ci/format.sh --check|--fix [--since REF | FILE...]" >&2
  exit 2
}

mode=""
since=""
files=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --check) mode=check ;;
    --fix) mode=fix ;;
    --since)
      [[ $# -ge 2 ]] || usage
      since=$2
      shift
      ;;
    -*) usage ;;
    *) files+=("$1") ;;
  esac
  shift
done
[[ -n "$mode" ]] || usage
[[ -z "$since" || ${#files[@]} -eq 0 ]] || usage

clang_format=${CLANG_FORMAT:-clang-format-14}
command -v "$clang_format" >/dev/null || {
  echo "ci/format.sh: $clang_format not found (apt-get install clang-format-14)" >&2
  exit 2
}
cxx_globs=('*.cpp' '*.hpp' '*.h' '*.cc')

if [[ -n "$since" ]]; then
  git rev-parse --verify --quiet "$since^{commit}" >/dev/null || {
    echo "ci/format.sh: --since $since: not a commit" >&2
    exit 2
  }
  # git-clang-format formats only the lines that differ from REF (committed or not). Version 14
  # exits 0 either way, so a printed diff is what tells unformatted lines.
  if [[ $mode == check ]]; then
    out=$(git clang-format-14 --binary "$(command -v "$clang_format")" --diff "$since" \
          -- "${cxx_globs[@]}")
    if grep -q '^diff --git' <<<"$out"; then
      echo "$out"
      echo "ci/format.sh: lines changed since $since are not formatted" \
           "(ci/format.sh --fix --since $since)" >&2
      exit 1
    fi
  else
    git clang-format-14 --binary "$(command -v "$clang_format")" --force "$since" \
      -- "${cxx_globs[@]}" >/dev/null || true
  fi
  exit 0
fi

if [[ ${#files[@]} -eq 0 ]]; then
  mapfile -t files < <(git ls-files -- "${cxx_globs[@]}")
fi
if [[ $mode == fix ]]; then
  "$clang_format" -i --style=file "${files[@]}"
  exit 0
fi
unformatted=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || { echo "ci/format.sh: $f: no such file" >&2; exit 2; }
  "$clang_format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [[ ${#unformatted[@]} -gt 0 ]]; then
  printf 'not formatted: %s\n' "${unformatted[@]}"
  echo "ci/format.sh: ${#unformatted[@]} file(s) not formatted (ci/format.sh --fix FILE...)" >&2
  exit 1
fi
