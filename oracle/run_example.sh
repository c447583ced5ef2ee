#!/bin/sh
# Runs the example programs through the real-PHP oracle so a human can look at the call sequences.
#   oracle/run_example.sh                 summaries of every example
#   oracle/run_example.sh --json [FILE]   full JSON-lines traces
#   oracle/run_example.sh [FILE ...]      summaries of some examples
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=--summary
if [ "${1:-}" = "--json" ]; then mode=; shift; fi
if [ $# -eq 0 ]; then set -- "$here"/examples/*.json; fi
for f in "$@"; do
    echo "== $(basename "$f" .json)"
    php -n "$here/run_scenario.php" $mode "$f"
done
