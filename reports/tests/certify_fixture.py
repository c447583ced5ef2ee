#!/usr/bin/python3
"""The report tests' certificates, captured from real `sessionspec certify` runs.

  certify_fixture.py --write BINARY   run certify, store the normalised output in tests/data/
  certify_fixture.py --check BINARY   run certify, exit 1 when the stored fixture has drifted

The failing case certifies two deliberately broken handlers (handlers/testing/ mutants): one
fails L1 and L2 (destroy() deletes nothing), the other L3 (a "serialised" store whose lock is gone
after read()). The passing case certifies `memory`, which passes with L3 findings (it declares
last-writer-wins). Both run from the source tree with `--scenarios scenarios` so that replay lines
are relative paths that work when pasted at the checkout's root.

What changes from run to run (times, the commit) is normalised, so that the stored files are
stable and --check compares what the handler and the tool decided. --check is a ctest
(tests/CMakeLists.txt, reports_certify_fixture): a fixture cannot silently drift from what
certify writes.
"""

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile

TESTS = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(TESTS))
DATA = os.path.join(TESTS, "data")

COMMON = ["--seed", "1", "--cases", "20", "--schedules", "20", "--scenarios", "scenarios"]
CASES = {
    "certify-failing": {"args": ["--handler", "mutant:destroy-noop+memory", "--handler",
                                 "mutant:lock-released-after-read+table:ss-report-fixture"],
                        "exit": 1},
    "certify-passing": {"args": ["--handler", "memory"], "exit": 0},
}
FILES = ("certificate.json", "races.json", "traces.jsonl")
CERTIFY_TIMEOUT_S = 600


def _normalise_certificate(text):
    """Fixed times and commit: what remains is what certify decided."""
    cert = json.loads(text)
    if "tool" in cert:
        cert["tool"]["commit"] = "0123456789ab"
    for key in ("started_at", "finished_at"):
        if key in cert:
            cert[key] = "2026-12-06T06:00:00Z"
    for row in cert.get("verdicts", []):
        if "time_ms" in row:
            row["time_ms"] = 1.0
    return json.dumps(cert, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _normalise_races(text):
    return json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


_NORMALISE = {"certificate.json": _normalise_certificate, "races.json": _normalise_races,
              "traces.jsonl": lambda text: text}


def capture(binary, case):
    """Runs certify for `case`; returns {file name: normalised text} of what it wrote."""
    spec = CASES[case]
    out_dir = tempfile.mkdtemp(prefix=f"ss-{case}-")
    try:
        cmd = [binary, "certify", *spec["args"], *COMMON, "--report", out_dir]
        proc = subprocess.run(cmd, cwd=SOURCE, capture_output=True, text=True,
                              timeout=CERTIFY_TIMEOUT_S)
        if proc.returncode != spec["exit"]:
            sys.exit(f"certify_fixture: {case}: certify exited {proc.returncode}, expected "
                     f"{spec['exit']}: {proc.stderr.strip()[-2000:]}")
        files = {}
        for name in FILES:
            path = os.path.join(out_dir, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    files[name] = _NORMALISE[name](handle.read())
        return files
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def stored(case):
    """{file name: text} of the fixture in tests/data/CASE/."""
    files = {}
    for name in FILES:
        path = os.path.join(DATA, case, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                files[name] = handle.read()
    return files


def write(case, files):
    directory = os.path.join(DATA, case)
    os.makedirs(directory, exist_ok=True)
    for name in FILES:
        path = os.path.join(directory, name)
        if name in files:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(files[name])
        elif os.path.exists(path):
            os.unlink(path)


def drift(case, live, fixture):
    """Lines of a unified diff between the stored fixture and a live run (empty: none)."""
    out = []
    for name in sorted(set(live) | set(fixture)):
        a = fixture.get(name, "").splitlines(keepends=True)
        b = live.get(name, "").splitlines(keepends=True)
        out += difflib.unified_diff(a, b, f"data/{case}/{name} (stored)", f"{name} (live certify)")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="store the live output as the fixture")
    mode.add_argument("--check", action="store_true", help="exit 1 when the fixture has drifted")
    parser.add_argument("binary", help="the sessionspec binary")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        print(f"certify_fixture: {args.binary}: not an executable", file=sys.stderr)
        return 2
    drifted = False
    for case in CASES:
        live = capture(args.binary, case)
        if args.write:
            write(case, live)
            print(f"certify_fixture: wrote {os.path.join(DATA, case)} ({', '.join(sorted(live))})")
            continue
        diff = drift(case, live, stored(case))
        if diff:
            drifted = True
            sys.stdout.writelines(diff[:200])
            print(f"certify_fixture: {case}: the stored fixture differs from a live certify run "
                  f"(review, then: reports/tests/certify_fixture.py --write BINARY)")
        else:
            print(f"certify_fixture: {case}: the fixture matches a live certify run")
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
