#!/usr/bin/python3
"""sessionspec report generator: trace JSON lines (+ optional result files) -> one self-contained HTML file.

Usage:
  sessionspec_report.py --out report.html [--title T] [--certificate cert.json] [--mutants mutants.json]
                        [--races races.json] [--raw-ids] [--max-diagram-events N] TRACE.jsonl [...]

Exit status: 0 on success; 2 on any input problem, reported on stderr as one line
`reports: FILE:LINE: what is wrong`, in which case no output file is written (the report is written
to a temporary file next to --out and renamed only on success, so a stale report is never half
overwritten).  Formats: docs/trace-format.md and reports/README.md.
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sessreport import results, sequence, traces  # noqa: E402  (path set up just above)
from sessreport.errors import ReportError  # noqa: E402
from sessreport.render import render  # noqa: E402


def parse_args(argv):
    """Command line; argparse itself exits 2 on usage errors, matching our input-error status."""
    parser = argparse.ArgumentParser(prog="sessionspec_report.py",
                                     description="Render sessionspec traces as one self-contained HTML report.")
    parser.add_argument("traces", nargs="*", metavar="TRACE.jsonl",
                        help="trace files (JSON lines, v1); none is fine with --certificate "
                             "(a certificate of rows that wrote no traces, e.g. --only L2)")
    parser.add_argument("--out", required=True, help="HTML file to write")
    parser.add_argument("--title", default="sessionspec report", help="page title")
    parser.add_argument("--certificate", metavar="cert.json", help="certificate verdicts (handlers x properties)")
    parser.add_argument("--mutants", metavar="mutants.json", help="mutant kill results")
    parser.add_argument("--races", metavar="races.json", help="race explorer results")
    parser.add_argument("--raw-ids", action="store_true",
                        help="compare session ids literally instead of by order of first appearance")
    parser.add_argument("--max-diagram-events", type=int, default=sequence.DEFAULT_MAX_EVENTS, metavar="N",
                        help=f"events drawn per sequence diagram (default {sequence.DEFAULT_MAX_EVENTS})")
    args = parser.parse_args(argv)
    if not args.traces and not args.certificate:
        parser.error("give at least one TRACE.jsonl, or a --certificate")
    return args


def generate(args):
    """Load every input (raising ReportError on the first problem) and return the HTML text."""
    runs = traces.load_traces(args.traces)
    cert = results.load_certificate(args.certificate) if args.certificate else None
    mutants = results.load_mutants(args.mutants) if args.mutants else None
    races = results.load_races(args.races) if args.races else None
    options = {"raw_ids": args.raw_ids, "max_diagram_events": max(args.max_diagram_events, 0)}
    return render(runs, cert=cert, mutants=mutants, races=races, title=args.title,
                  inputs=[os.path.basename(p) for p in args.traces], options=options)


def write_atomically(path, text):
    """Write `text` to `path` via a temporary file in the same directory and an atomic rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html.tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    """Entry point; returns the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        html = generate(args)
    except ReportError as exc:
        print(f"reports: {exc.where}: {exc.what}", file=sys.stderr)
        return 2
    try:
        write_atomically(args.out, html)
    except OSError as exc:
        print(f"reports: {args.out}: cannot write: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
