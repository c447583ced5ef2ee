#!/usr/bin/env python3
"""docs/scale-out/: the GitHub Actions workflow and the Kubernetes Indexed Job parse as YAML, and
the shard commands they run are the ones ci/shards.sh runs (its campaign, --shard I/N or auto,
a report directory per shard), and their merge step merges exactly those directories.

    scale_out_test.py SOURCE_DIR"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def campaign(src):
    out = subprocess.run(["bash", str(src / "ci/shards.sh"), "--print-campaign"], check=True,
                         capture_output=True, text=True, timeout=30).stdout
    return out.split("\n")[:-1]


def split_shard_command(text):
    """The sessionspec arguments of a shard command without --shard and --report, and those."""
    words = shlex.split(text)
    at = next(i for i, w in enumerate(words) if w.endswith("sessionspec"))
    args, shard, report, rest = words[at + 1:], None, None, []
    i = 0
    while i < len(args):
        if args[i] == "--shard":
            shard = args[i + 1]
            i += 2
        elif args[i] == "--report":
            report = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    return rest, shard, report


def merge_dirs(text):
    words = shlex.split(text)
    at = words.index("merge")
    out = words.index("--out")
    return words[at + 1:out]


def github(src, want):
    doc = yaml.safe_load((src / "docs/scale-out/github-actions.yml").read_text())
    shard_job, merge_job = doc["jobs"]["shard"], doc["jobs"]["merge"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    check(shards == list(range(1, len(shards) + 1)), f"github: matrix shards {shards}")
    runs = [s["run"] for s in shard_job["steps"] if "sessionspec certify" in s.get("run", "")]
    check(len(runs) == 1, f"github: {len(runs)} certify steps, want 1")
    reports = []
    for n in shards:
        text = runs[0].replace("${{ matrix.shard }}", str(n))
        args, shard, report = split_shard_command(text)
        check(args == want, f"github: shard {n} runs {args}, ci/shards.sh runs {want}")
        check(shard == f"{n}/{len(shards)}", f"github: shard {n} has --shard {shard}")
        reports.append(report)
    merges = [s["run"] for s in merge_job["steps"] if "sessionspec merge" in s.get("run", "")]
    check(len(merges) == 1 and merge_dirs(merges[0]) == reports,
          f"github: the merge step does not merge {reports}")
    check(merge_job["needs"] == "shard", "github: merge does not wait for the shards")


def kubernetes(src, want):
    docs = list(yaml.safe_load_all((src / "docs/scale-out/indexed-job.yaml").read_text()))
    shards_job, merge_job = docs
    spec = shards_job["spec"]
    check(spec["completionMode"] == "Indexed", "kubernetes: not an Indexed Job")
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    total = int(env["SESSIONSPEC_TOTAL_SHARDS"])
    check(total == spec["completions"], "kubernetes: SESSIONSPEC_TOTAL_SHARDS != completions")
    reports = []
    for index in range(total):
        # The shell expands $((JOB_COMPLETION_INDEX + 1)) in the pod.
        text = container["args"][0].replace("$((JOB_COMPLETION_INDEX + 1))", str(index + 1))
        check("$" not in text, f"kubernetes: unexpanded variable in {text}")
        args, shard, report = split_shard_command(text)
        check(args == want, f"kubernetes: shards run {args}, ci/shards.sh runs {want}")
        check(shard == "auto", f"kubernetes: --shard {shard}, want auto")
        reports.append(report)
    merge = merge_job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    check(merge_dirs(merge) == reports, f"kubernetes: the merge does not merge {reports}")


def main():
    src = Path(sys.argv[1])
    want = campaign(src)
    check(want[:1] == ["certify"] and "--seed" in want, f"ci/shards.sh's campaign: {want}")
    github(src, want)
    kubernetes(src, want)
    # ci/shards.sh itself adds --shard I/N and --report per shard.
    script = (src / "ci/shards.sh").read_text()
    check(re.search(r'--shard "\$i/\$n" --report "\$out/shard-\$i"', script) is not None,
          "ci/shards.sh: the shard command changed; update this test and docs/scale-out/")
    for f in failures:
        print("FAILED:", f)
    if failures:
        sys.exit(1)
    print(f"scale_out_test: ok (campaign: {' '.join(want)})")


if __name__ == "__main__":
    main()
