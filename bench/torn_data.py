#!/usr/bin/env python3
"""The torn-data campaign (issue #17): SIGKILL processes that write sessions, at seeded random
points, and check afterwards that nothing is torn.

Stores:
  files       PHP's files module, in real php8.2-cli processes (bench/torn/worker.php)
  pdo-sqlite  a PDO-SQLite handler class (adapters/php/fixtures/PdoSqliteHandler.php) driven by
              PHP's session module, in real php8.2-cli processes
  cxx-sqlite  sessionspec's own SQLite handler (handlers/sqlite), written by a `sessionspec
              explore` process that is killed the same way

Each round starts --workers processes on one store, lets each run for a delay drawn from the seed
(after it is ready), SIGKILLs it, and then checks the store: every stored session decodes with
PHP's session_decode (serializer php) and, for the PHP workers, its payload matches its md5 (two
writes mixed); every SQLite database answers `PRAGMA integrity_check` with ok. Where each kill
landed is the phase the worker printed last (bench/torn/worker.php).

    python3 bench/torn_data.py --kills 1000                  # 1,000 kills per store
    python3 bench/torn_data.py --kills 20 --store files      # what ctest runs, per store

Exit 0: nothing torn (or only in the stores named by --allow-torn, whose torn sessions are
reported as findings); 1: something torn (listed); 2: bad input; 3: the campaign itself failed (a
worker that never got ready, a checker that did not answer). The seed is printed first; one seed
draws the same delays and payloads (where a kill lands also depends on the machine's speed, which
is why the campaign counts where they landed rather than asserting it).
"""

import argparse
import collections
import glob
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "torn", "worker.php")
CHECK = os.path.join(HERE, "torn", "check.php")
PHP = ["php", "-n", "-d", "extension=pdo.so", "-d", "extension=pdo_sqlite.so"]
STORES = ("files", "pdo-sqlite", "cxx-sqlite")
# Bounds, in seconds: a worker gets this long to start, a check this long to answer.
READY_TIMEOUT_S = 20
CHECK_TIMEOUT_S = 60
# The race scenario the cxx-sqlite store's explore process runs (two requests, one session).
EXPLORE_SCENARIO = os.path.join(ROOT, "scenarios", "races", "two-tabs-counter.scn")
EXPLORE_SCHEDULES = 1_000_000


class CampaignError(Exception):
    """The campaign could not run (exit 3), as opposed to something found torn (exit 1)."""


def fail_input(message):
    print("torn_data: " + message, file=sys.stderr)
    sys.exit(2)


def read_lines(proc, timeout_s):
    """Everything the process wrote to stdout, once it is dead (bounded by timeout_s)."""
    out = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
    return out.decode("utf-8", "replace").split()


def wait_ready(proc, timeout_s):
    """Waits for the worker's `ready` line; False when it does not come in time."""
    deadline = time.monotonic() + timeout_s
    line = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        ch = os.read(proc.stdout.fileno(), 1)
        if not ch:
            return False
        if ch == b"\n":
            return line == b"ready"
        line += ch
    return False


def spawn(store, workdir, seed, sessionspec):
    if store == "cxx-sqlite":
        argv = [sessionspec, "explore", EXPLORE_SCENARIO, "--handler",
                "sqlite:" + os.path.join(workdir, "sessions.db"), "--seed", str(seed),
                "--schedules", str(EXPLORE_SCHEDULES)]
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
    argv = PHP + [WORKER, store, workdir, str(seed), "4"]
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)


def kill_round(store, workdir, rng, workers, delay_ms_max, sessionspec, landed):
    """Starts `workers` processes, kills each after its drawn delay; counts where they landed."""
    procs = []
    for _ in range(workers):
        seed = rng.randrange(1, 2**31)
        proc = spawn(store, workdir, seed, sessionspec)
        if store != "cxx-sqlite" and not wait_ready(proc, READY_TIMEOUT_S):
            proc.kill()
            proc.wait()
            raise CampaignError(f"a {store} worker (seed {seed}) did not get ready in "
                                f"{READY_TIMEOUT_S} s")
        procs.append((proc, rng.randint(1, delay_ms_max)))
    for proc, _ in procs:
        if proc.stdin is not None:
            proc.stdin.write(b"go\n")
            proc.stdin.close()
    start = time.monotonic()
    for proc, delay_ms in sorted(procs, key=lambda p: p[1]):
        time.sleep(max(0.0, start + delay_ms / 1000.0 - time.monotonic()))
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if store == "cxx-sqlite":
            landed["explore run" if alive else "exited before the kill"] += 1
            proc.stdout.close()
            continue
        lines = read_lines(proc, CHECK_TIMEOUT_S)
        proc.stdout.close()
        # "ready": after the go, before its first session_id().
        landed[lines[-1] if lines else "ready"] += 1


def integrity(db):
    """PRAGMA integrity_check of `db` ("ok" or what SQLite found)."""
    con = sqlite3.connect(db, timeout=CHECK_TIMEOUT_S)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "; ".join(str(r[0]) for r in rows)


def check_store(store, workdir):
    """What is torn in the store now: one-line findings, and how many stores were checked."""
    found = []
    if store == "files":
        targets = [("files", workdir, "sums")]
    elif store == "pdo-sqlite":
        targets = [("sqlite", os.path.join(workdir, "sessions.sqlite"), "sums")]
    else:
        targets = [("sqlite", db, "decode")
                   for db in sorted(glob.glob(os.path.join(workdir, "*", "sessions.db")))]
    for kind, where, mode in targets:
        if kind == "sqlite":
            if not os.path.exists(where):
                continue
            verdict = integrity(where)
            if verdict != "ok":
                found.append(f"{where}: PRAGMA integrity_check: {verdict}")
        r = subprocess.run(PHP + [CHECK, kind, where, mode], capture_output=True, text=True,
                           timeout=CHECK_TIMEOUT_S, check=False)
        try:
            answer = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as ex:
            raise CampaignError(f"check.php did not answer for {where}: {r.stderr.strip()}") from ex
        for t in answer["torn"]:
            found.append(f"{where}: session {t['id']} ({t['bytes']} bytes): {t['why']}")
    if store == "cxx-sqlite":
        # The killed explorer's scratch stores are checked; the next round starts clean.
        for d in glob.glob(os.path.join(workdir, "*", "")):
            shutil.rmtree(d, ignore_errors=True)
    return found, len(targets)


def self_test(tmp):
    """The check must catch a torn session, or the campaign would prove nothing."""
    d = os.path.join(tmp, "self-test")
    os.makedirs(d)
    whole = 'n|i:1;payload|s:3:"abc";sum|s:32:"900150983cd24fb0d6963f7d28e17f72";'
    with open(os.path.join(d, "sess_whole"), "w", encoding="ascii") as f:
        f.write(whole)
    with open(os.path.join(d, "sess_cut"), "w", encoding="ascii") as f:
        f.write(whole[:30])
    with open(os.path.join(d, "sess_mixed"), "w", encoding="ascii") as f:
        f.write(whole.replace("abc", "abd"))
    found, _ = check_store("files", d)
    shutil.rmtree(d)
    flagged = sorted(line.split("session ")[1].split(" ")[0] for line in found)
    if flagged != ["cut", "mixed"]:
        raise CampaignError(f"self-test: the check flagged {flagged}, want ['cut', 'mixed']")


def campaign(store, kills, rng, args, tmp):
    workdir = os.path.join(tmp, store)
    os.makedirs(workdir)
    landed = collections.Counter()
    torn = []
    checked = 0
    done = 0
    begun = time.monotonic()
    while done < kills:
        workers = min(args.workers, kills - done)
        kill_round(store, workdir, rng, workers, args.delay_ms_max, args.sessionspec, landed)
        done += workers
        found, stores = check_store(store, workdir)
        torn += found
        checked += stores
    sessions = len(glob.glob(os.path.join(workdir, "sess_*"))) if store == "files" else None
    return {"store": store, "kills": done, "landed": dict(sorted(landed.items())),
            "torn": torn, "seconds": round(time.monotonic() - begun, 1), "sessions": sessions,
            "stores_checked": checked}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=1000, help="SIGKILLs per store (1..100000)")
    p.add_argument("--seed", type=int, default=1, help="draws the delays and the workers' seeds")
    p.add_argument("--store", default=",".join(STORES),
                   help="comma-separated: " + ", ".join(STORES))
    p.add_argument("--workers", type=int, default=2, help="processes per round on one store (1..8)")
    p.add_argument("--delay-ms-max", type=int, default=150,
                   help="a process is killed 1..this many ms after it is ready (1..10000)")
    p.add_argument("--sessionspec", default=os.path.join(ROOT, "build", "cli", "sessionspec"),
                   help="the sessionspec binary (cxx-sqlite)")
    p.add_argument("--allow-torn", default="",
                   help="comma-separated stores whose torn sessions are findings, not failures "
                        "(PHP's files module rewrites its files in place: docs/certify.md)")
    p.add_argument("--json", help="write the figures here as JSON")
    args = p.parse_args()
    if not 1 <= args.kills <= 100_000:
        fail_input(f"--kills {args.kills}: want 1..100000")
    if not 1 <= args.workers <= 8:
        fail_input(f"--workers {args.workers}: want 1..8")
    if not 1 <= args.delay_ms_max <= 10_000:
        fail_input(f"--delay-ms-max {args.delay_ms_max}: want 1..10000")
    args.stores = [s for s in args.store.split(",") if s]
    args.allowed = [s for s in args.allow_torn.split(",") if s]
    for s in args.stores + args.allowed:
        if s not in STORES:
            fail_input(f"--store/--allow-torn: unknown store '{s}' (want {', '.join(STORES)})")
    if "cxx-sqlite" in args.stores and not os.access(args.sessionspec, os.X_OK):
        fail_input(f"--sessionspec {args.sessionspec}: not an executable (build first)")
    return args


def main():
    args = parse_args()
    print(f"seed={args.seed} kills={args.kills} stores={','.join(args.stores)} "
          f"workers={args.workers} delay_ms_max={args.delay_ms_max}", flush=True)
    rng = random.Random(args.seed)
    results = []
    tmp = tempfile.mkdtemp(prefix="sessionspec-torn-")
    try:
        self_test(tmp)
        for store in args.stores:
            r = campaign(store, args.kills, rng, args, tmp)
            results.append(r)
            landed = ", ".join(f"{k} {v}" for k, v in r["landed"].items())
            print(f"{store}: {r['kills']} kills in {r['seconds']} s; landed: {landed}; "
                  f"{r['stores_checked']} store checks; torn: {len(r['torn'])}", flush=True)
            tag = "finding" if store in args.allowed else "TORN"
            for t in r["torn"][:20]:
                print(f"  {tag} {t}")
    except (CampaignError, subprocess.TimeoutExpired, sqlite3.Error, OSError) as ex:
        print(f"torn_data: the campaign failed: {ex}", file=sys.stderr)
        return 3
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"seed": args.seed, "results": results}, f, indent=1)
    torn = sum(len(r["torn"]) for r in results if r["store"] not in args.allowed)
    allowed = sum(len(r["torn"]) for r in results if r["store"] in args.allowed)
    print(f"{'TORN' if torn else 'OK'}: {sum(r['kills'] for r in results)} kills, {torn} torn"
          + (f", {allowed} torn as findings ({args.allow_torn})" if allowed else ""))
    if torn:
        print(f"rerun: python3 {os.path.relpath(__file__)} --seed {args.seed} "
              f"--kills {args.kills} --store {args.store} (the same delays and payloads; where "
              f"the kills land depends on timing)")
    return 1 if torn else 0


if __name__ == "__main__":
    sys.exit(main())
