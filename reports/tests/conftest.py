"""Shared helpers for the report generator tests: run the CLI, drive headless Chromium, make big traces."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
REPORTS = os.path.dirname(TESTS)
DATA = os.path.join(TESTS, "data")
GOLDEN = os.path.join(TESTS, "golden")
SCRIPT = os.path.join(REPORTS, "sessionspec_report.py")
# Debian's interpreter: the python3 first on PATH may be a pyenv build without jinja2.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

sys.path.insert(0, TESTS)
sys.path.insert(0, REPORTS)


def run_cli(*args, cwd=DATA):
    """Run the generator; returns the CompletedProcess (text mode). Relative paths resolve in tests/data."""
    return subprocess.run([PYTHON, SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def chromium_binary():
    """Path of Debian's chromium, or None."""
    return shutil.which("chromium")


def chromium(*args, timeout=180):
    """Run headless Chromium with a throw-away profile and no network-ish background activity."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        cmd = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


needs_chromium = pytest.mark.skipif(chromium_binary() is None,
                                    reason="chromium is not installed (apt-get install chromium)")


def big_trace(path, n_events=10_000, scenario="big-counter", engine="php-8.2", handler="model"):
    """Write a synthetic trace of exactly `n_events` events: many requests of start / incr / write_close.

    Each request is 9 events (request, session_start + open + read, incr, session_write_close + write
    + close, response); the last request is cut short to hit the count exactly, which is still a
    valid trace (the reader does not demand complete requests).
    """
    sid = "bigbigbigbigbigbigbigbig00"
    events = [{"kind": "run", "name": "run", "request": 0, "step": 0, "args": [], "result": None,
               "engine": engine, "handler": handler, "variant": "full", "ini": {"lazy_write": "1"}, "seed": 1}]
    request = 0
    while len(events) < n_events:
        request += 1
        before, after = f"n|i:{request - 1};", f"n|i:{request};"
        state = {"diagnostics": [], "status": "active", "id": sid, "session": f'a:1:{{s:1:"n";i:{request};}}'}
        events += [
            {"kind": "request", "name": "request", "step": 0, "args": [sid if request > 1 else None], "result": None},
            {"kind": "script", "name": "session_start", "step": 1, "args": [], "result": True, **state},
            {"kind": "handler", "name": "open", "step": 1, "args": ["/tmp/sessionspec", "PHPSESSID"], "result": True},
            {"kind": "handler", "name": "read", "step": 1, "args": [sid], "result": "" if request == 1 else before},
            {"kind": "script", "name": "incr", "step": 2, "args": ["n"], "result": None, **state},
            {"kind": "script", "name": "session_write_close", "step": 3, "args": [], "result": True,
             **dict(state, status="none")},
            {"kind": "handler", "name": "write", "step": 3, "args": [sid, after], "result": True},
            {"kind": "handler", "name": "close", "step": 3, "args": [], "result": True},
            {"kind": "response", "name": "end", "step": 4, "args": [], "result": None,
             "set_cookie": [sid] if request == 1 else [], **dict(state, status="none")},
        ]
        for e in events[-9:]:
            e["request"] = request
    with open(path, "w", encoding="utf-8") as handle:
        for seq, event in enumerate(events[:n_events]):
            event.update(v=1, scenario=scenario, seq=seq)
            handle.write(json.dumps(event, separators=(",", ":")) + "\n")
