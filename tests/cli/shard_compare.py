#!/usr/bin/env python3
"""Compares a merged campaign with the unsharded run of the same seed (tests/cli/shard_test.sh).

    shard_compare.py certify|mutants|explore|differential WHOLE_DIR MERGED_DIR

Exactly what docs/scale-out.md names as allowed to differ is ignored: certificate.json's
started_at, finished_at and each row's time_ms; JUnit's time attributes; mutants.json's time_ms;
the per-process names of isolated table: stores (`table NAME-PID-N`) in handler messages, which
differ between any two runs. Everything else, rows in order, must be equal; the first difference
is printed."""

import json
import re
import sys
from pathlib import Path


def fail(message):
    print(f"shard_compare: {message}", file=sys.stderr)
    sys.exit(1)


def same(what, whole, merged):
    if whole != merged:
        fail(f"{what} differs:\n  unsharded: {json.dumps(whole)[:600]}\n"
             f"  merged:    {json.dumps(merged)[:600]}")


def text(path):
    """A file's text with isolated table: store names (`table NAME-PID-N`) made run-independent."""
    return re.sub(r"table ([A-Za-z0-9_.]+)-[0-9]+-[0-9]+", r"table \1-PID-N",
                  Path(path).read_text())


def certificate(path):
    c = json.loads(text(path))
    for key in ("started_at", "finished_at"):
        c.pop(key)
    for row in c["verdicts"]:
        row.pop("time_ms")
    return c


def compare_certify(whole, merged):
    w, m = certificate(whole / "certificate.json"), certificate(merged / "certificate.json")
    if len(w["verdicts"]) < 8:
        fail(f"only {len(w['verdicts'])} rows: too few to show anything about sharding")
    same("the number of rows", len(w["verdicts"]), len(m["verdicts"]))
    for i, (a, b) in enumerate(zip(w["verdicts"], m["verdicts"])):
        same(f"row {i} ({a['handler']} {a['property']})", a, b)
    same("certificate.json", w, m)
    untimed = lambda p: re.sub(r' time="[0-9.]+"', "", text(p))
    same("junit.xml", untimed(whole / "junit.xml"), untimed(merged / "junit.xml"))
    same("traces.jsonl", text(whole / "traces.jsonl"), text(merged / "traces.jsonl"))
    races = [(d / "races.json").exists() for d in (whole, merged)]
    same("whether races.json exists", races[0], races[1])
    if races[0]:
        same("races.json", json.loads(text(whole / "races.json")),
             json.loads(text(merged / "races.json")))
    if not (merged / "report.html").exists():
        fail("merge wrote no report.html")
    return len(w["verdicts"])


def compare_mutants(whole, merged):
    def rows(p):
        m = json.loads(Path(p).read_text())
        for r in m["mutants"]:
            r.pop("time_ms")
        return m
    w, m = rows(whole), rows(merged / "mutants.json")
    for i, (a, b) in enumerate(zip(w["mutants"], m["mutants"])):
        same(f"mutant row {i} ({a['name']})", a, b)
    same("mutants.json", w, m)
    return len(w["mutants"])


def compare_explore(whole, merged):
    w = json.loads((whole / "explore.json").read_text())
    m = json.loads((merged / "explore.json").read_text())
    same("explore.json", w, m)
    return w["result"]["schedules_run"]


def compare_differential(whole, merged):
    w = json.loads((whole / "differential.json").read_text())
    m = json.loads((merged / "differential.json").read_text())
    same("differential.json", w, m)
    d = w["result"]["difference"]
    if d:
        same(d["file"], (whole / d["file"]).read_text(), (merged / d["file"]).read_text())
    return w["result"]["cases_run"]


def main():
    verb, whole, merged = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    n = {"certify": compare_certify, "mutants": compare_mutants,
         "explore": compare_explore, "differential": compare_differential}[verb](whole, merged)
    print(f"shard_compare: {verb}: merged equals unsharded ({n} rows/units)")


if __name__ == "__main__":
    main()
