#!/usr/bin/env python3
"""Turns a sessionspec_bench JSON report into the table of docs/benchmarks.md ("Handlers vs raw
backends"): for every `cycle/NAME/handler` with a `cycle/NAME/raw` twin, the median time per
cycle of each over the repetitions and their ratio, flagged when above the 1.3x target. Both
wall time (what a request waits) and CPU time (this process, user + kernel: what the handler
adds itself, and far less disturbed by other programs' disk traffic) are given, and the ratio of
the fastest repetitions (the quietest moments of a shared machine).

    build/bench/sessionspec_bench --benchmark_filter='^cycle/' --benchmark_repetitions=30 \\
        --benchmark_min_time=0.1 --benchmark_enable_random_interleaving=true \\
        --benchmark_out=cycle.json --benchmark_out_format=json
    python3 bench/cycle_ratios.py cycle.json
"""

import json
import statistics
import sys

TARGET = 1.3
SCALE_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def medians(report):
    """{name: (median wall µs, median CPU µs, fastest wall µs)} over each benchmark's
    repetitions."""
    runs = {}
    for b in report["benchmarks"]:
        if b.get("error_occurred"):
            print(f"{b['name']}: {b.get('error_message', 'error')}", file=sys.stderr)
            continue
        if b.get("run_type") == "aggregate":
            continue
        # UseRealTime() appends "/real_time" to the name.
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        scale = SCALE_US[b.get("time_unit", "ns")]
        wall, cpu = runs.setdefault(name, ([], []))
        wall.append(b["real_time"] * scale)
        cpu.append(b["cpu_time"] * scale)
    return {n: (statistics.median(w), statistics.median(c), min(w)) for n, (w, c) in runs.items()}


def ratio_cell(handler, raw):
    ratio = handler / raw
    return f"{ratio:.2f}x" + ("" if ratio <= TARGET else " (above 1.3x)")


def main(path):
    with open(path) as f:
        m = medians(json.load(f))
    print("| handler | handler µs (wall / CPU) | raw µs (wall / CPU) | ratio wall | ratio CPU "
          "| ratio fastest |")
    print("|---|---|---|---|---|---|")
    for name in sorted(m):
        parts = name.split("/")
        if len(parts) != 3 or parts[0] != "cycle" or parts[2] != "handler":
            continue
        raw = f"cycle/{parts[1]}/raw"
        if raw not in m:
            continue
        (hw, hc, hf), (rw, rc, rf) = m[name], m[raw]
        print(f"| {parts[1]} | {hw:.2f} / {hc:.2f} | {rw:.2f} / {rc:.2f} | "
              f"{ratio_cell(hw, rw)} | {ratio_cell(hc, rc)} | {hf / rf:.2f}x |")
    if "cycle/seam/noop" in m:
        w, c, _ = m["cycle/seam/noop"]
        print(f"\nseam alone (no-op handler): {w:.3f} µs wall / {c:.3f} µs CPU per cycle")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: cycle_ratios.py REPORT.json", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
