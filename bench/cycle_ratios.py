#!/usr/bin/env python3
"""Turns a sessionspec_bench JSON report into the table of docs/benchmarks.md ("Handlers vs raw
backends"): for every `cycle/NAME/handler` with a `cycle/NAME/raw` twin, the median wall time
per cycle of each and their ratio, flagged when above the 1.3x target.

    build/bench/sessionspec_bench --benchmark_filter='^cycle/' --benchmark_repetitions=5 \
        --benchmark_enable_random_interleaving=true --benchmark_format=json > cycle.json
    python3 bench/cycle_ratios.py cycle.json
"""

import json
import statistics
import sys

TARGET = 1.3


def medians(report):
    """Median real time in microseconds per benchmark name, from the repetitions' own rows (or
    their `median` aggregate when only aggregates were reported)."""
    runs, aggregated = {}, {}
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    for b in report["benchmarks"]:
        if b.get("error_occurred"):
            print(f"{b['name']}: {b.get('error_message', 'error')}", file=sys.stderr)
            continue
        # UseRealTime() appends "/real_time" to the name.
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        t = b["real_time"] * scale[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                aggregated[name] = t
        else:
            runs.setdefault(name, []).append(t)
    out = {name: statistics.median(ts) for name, ts in runs.items()}
    for name, t in aggregated.items():
        out.setdefault(name, t)
    return out


def main(path):
    with open(path) as f:
        report = json.load(f)
    m = medians(report)
    print("| handler | handler µs/cycle | raw µs/cycle | ratio |")
    print("|---|---|---|---|")
    worst = 0.0
    for name in sorted(m):
        parts = name.split("/")
        if len(parts) != 3 or parts[0] != "cycle" or parts[2] != "handler":
            continue
        raw = f"cycle/{parts[1]}/raw"
        if raw not in m:
            continue
        ratio = m[name] / m[raw]
        worst = max(worst, ratio)
        flag = "" if ratio <= TARGET else " (above 1.3x)"
        print(f"| {parts[1]} | {m[name]:.2f} | {m[raw]:.2f} | {ratio:.2f}x{flag} |")
    if "cycle/seam/noop" in m:
        print(f"\nseam alone (no-op handler): {m['cycle/seam/noop']:.3f} µs/cycle")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: cycle_ratios.py REPORT.json", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
