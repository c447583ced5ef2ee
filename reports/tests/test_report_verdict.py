"""The verdict-first report: banner, what failed and was found, and each failure's evidence drawn.

The inputs are real: tests/data/certify-failing/ and certify-passing/ are what `sessionspec
certify` wrote (certify_fixture.py captures them; ctest reports_certify_fixture checks that they
have not drifted from a live run).
"""

import json
import os

import pytest

from conftest import DATA, run_cli
from htmlscan import elements, find
from sessreport import verdict

FAILING = os.path.join(DATA, "certify-failing")
PASSING = os.path.join(DATA, "certify-passing")

def certify_args(case_dir):
    """Generator arguments for a captured certify run, as certify itself passes them."""
    args = ["--title", "sessionspec certificate",
            "--certificate", os.path.join(case_dir, "certificate.json")]
    if os.path.exists(os.path.join(case_dir, "races.json")):
        args += ["--races", os.path.join(case_dir, "races.json")]
    return args + [os.path.join(case_dir, "traces.jsonl")]


def render(tmp_path, *args):
    out = tmp_path / "report.html"
    proc = run_cli("--out", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def load_cert(case_dir):
    with open(os.path.join(case_dir, "certificate.json"), encoding="utf-8") as handle:
        return json.load(handle)


def attention_item(html, prop):
    """The HTML of the first attention item about row `prop` (items do not nest <details>)."""
    for item in find(html, "details", "attention-item"):
        body = html[item.start:html.index("</details>", item.start)]
        summary = body[:body.index("</summary>")]
        if f"<code>{prop}</code>" in summary:
            return body
    raise AssertionError(f"no attention item for {prop}")


def test_banner_states_the_verdict_and_what_made_it(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    cert = load_cert(FAILING)
    banner = html[html.index('<header id="banner"'):html.index("</header>")]
    assert "outcome-not-certified" in banner
    assert '<span id="verdict" class="verdict-word">NOT CERTIFIED</span>' in banner
    assert f"level achieved none of L{cert['level_requested']}" in banner
    assert f"{cert['tool']['version']} (commit {cert['tool']['commit']})" in banner
    assert "<dt>seed</dt><dd>1</dd>" in banner
    assert "cases 20" in banner and "schedules 20" in banner
    assert cert["started_at"] in banner
    assert "<dt>PHP</dt>" in banner
    for name in cert["handlers"]:          # display names, no scratch paths
        assert f"<b>{name}</b>" in banner and "/tmp/" not in name
    assert "declares <span class=\"guarantees\">concurrency last-writer-wins" in banner


def test_passing_certificate_says_certified(tmp_path):
    html = render(tmp_path, *certify_args(PASSING))
    assert '<span id="verdict" class="verdict-word">CERTIFIED</span>' in html
    assert "outcome-certified" in html and "level achieved L3 of L3" in html


def test_outcome_is_derived_when_the_certificate_does_not_say():
    counts = {"pass": 3, "fail": 0, "skip": 0, "finding": 1, "error": 0}
    assert verdict.outcome({"meta": {}, "counts": counts}) == "certified"
    assert verdict.outcome({"meta": {}, "counts": dict(counts, error=1)}) == "incomplete"
    assert verdict.outcome({"meta": {}, "counts": dict(counts, fail=1, error=1)}) == "not_certified"


def test_attention_lists_failures_before_findings_and_links_the_matrix(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    cert = load_cert(FAILING)
    notable = [v for v in cert["verdicts"] if v["verdict"] in ("fail", "error", "finding")]
    items = find(html, "details", "attention-item")
    assert len(items) == len(notable)
    kinds = [next(c for c in e.classes if c.startswith("verdict-")) for e in items]
    assert kinds == sorted(kinds, key=["verdict-fail", "verdict-error", "verdict-finding"].index)
    assert "open" in items[0].attrs
    # Every notable matrix cell links to its evidence.
    for item in items:
        assert f'href="#{item.attrs["id"]}"' in html
    # The matrix is one row per property and one column per handler, so it stays narrow.
    table = html[html.index('<table class="certificate">'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr><th class=\"prop\"") == len(cert["properties"])
    assert table.count('<th class="handler-name">') == len(cert["handlers"])


def test_evidence_keeps_its_line_breaks(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    l1 = next(v for v in load_cert(FAILING)["verdicts"] if v["property"] == "L1.php"
              and v["verdict"] == "fail")
    assert "\n" in l1["evidence"]
    escaped = l1["evidence"].replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")
    assert f'<pre class="evidence">{escaped}</pre>' in html


def test_l1_failure_marks_the_failing_step_with_expected_and_actual(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    failing = find(html, "tr", "failing-step")
    handler_rows = [e for e in failing if "handler" in e.classes]
    assert handler_rows, "the handler call the judge rejected is marked"
    row = handler_rows[0]
    assert row.attrs["data-method"] == "read" and row.attrs["data-request"] == "1"
    note = html[row.start:]
    note = note[note.index('<tr class="expected-actual-note">'):]
    note = note[:note.index("</tr>")]
    assert "expected: &#39;&#39;" in note and "actual: &#39;uid|i:42;&#39;" in note


def test_l1_failure_parsing():
    failure = verdict.parse_l1_failure("scenario s-1, request 2, step 3 (line 9): handler answer "
                                       "to read('k')\n  expected: ''\n  actual:   'a|i:1;'")
    assert failure == {"scenario": "s-1", "request": 2, "step": 3,
                       "what": "handler answer to read('k')", "expected": "''",
                       "actual": "'a|i:1;'"}
    assert verdict.parse_l1_failure("7/7 scenarios agree") is None


def test_l2_counterexample_is_drawn_as_its_command_list(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    cert = load_cert(FAILING)
    l2 = next(v for v in cert["verdicts"]
              if v["property"].startswith("L2") and v["verdict"] == "fail")
    assert l2.get("counterexample"), "certify hands the shrunk counterexample to the report"
    commands = verdict.parse_counterexample(l2["counterexample"])["commands"]
    assert commands
    body = attention_item(html, l2["property"])
    assert '<table class="counterexample">' in body
    assert body.count('<td class="seq">') == len(commands) + 1     # the commands, then the check
    assert '<tr class="failing-step">' in body
    assert 'class="replay-line">RC_PARAMS=' in body and 'class="copy"' in body


def test_counterexample_parsing():
    text = ("  CaseConfig: engine=php-8.2 seed=1\n  commands:\n    start(fresh)\n"
            "    destroy()\n")
    assert verdict.parse_counterexample(text) == {
        "config": ["CaseConfig: engine=php-8.2 seed=1"], "commands": ["start(fresh)", "destroy()"]}


def test_l3_race_is_drawn_as_lanes_with_its_replay_line(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    cert = load_cert(FAILING)
    l3 = next(v for v in cert["verdicts"]
              if v["property"].startswith("L3") and v["verdict"] == "fail")
    body = attention_item(html, l3["property"])
    assert '<table class="lanes"' in body
    head = body[body.index('<table class="lanes"'):]
    head = head[:head.index("</thead>")]
    assert head.count("<th>") >= 3, "the seq column and at least two lanes"
    assert "--replay" in body and 'class="copy"' in body


def test_findings_are_amber_and_carry_their_interleaving(tmp_path):
    html = render(tmp_path, *certify_args(PASSING))
    items = find(html, "details", "attention-item")
    assert items and all("verdict-finding" in e.classes for e in items)
    assert "open" in items[0].attrs                   # nothing failed: the first finding is open
    body = html[items[0].start:html.index("</details>", items[0].start)]
    assert '<table class="lanes"' in body and "--replay" in body


def test_trace_views_follow_collapsed(tmp_path):
    html = render(tmp_path, *certify_args(FAILING))
    els = elements(html)
    scenarios = find(els, "details", "scenario")
    assert scenarios and not any("open" in e.attrs for e in scenarios)
    order = [html.index(f'id="{name}"') for name in ("attention", "certificate", "scenarios")]
    assert order == sorted(order)


def test_a_certificate_without_traces_renders(tmp_path):
    """certify --only L2 writes no L1 traces; the report still shows the certificate."""
    html = render(tmp_path, "--certificate", os.path.join(FAILING, "certificate.json"))
    assert "NOT CERTIFIED" in html
    proc = run_cli("--out", str(tmp_path / "x.html"))
    assert proc.returncode == 2 and "TRACE.jsonl" in proc.stderr


def test_headline_skips_an_l2_configuration_line():
    evidence = ("engine=php-8.2 variant=full case_seed=1\nfinal audit: handler answer to "
                "validateId('x')\n  expected: false\n  actual:   true")
    assert verdict.headline(evidence) == "final audit: handler answer to validateId('x')"
    assert verdict.headline("scenario s, request 1, step 2: x\n  expected: 1") == \
        "scenario s, request 1, step 2: x"
    assert len(verdict.headline("y" * 1000)) == verdict.HEADLINE_MAX


def test_a_race_without_a_trace_keeps_its_replay_line(tmp_path):
    """Real PHP processes are not replayed in-process: certify hands such races with no events."""
    cert = load_cert(PASSING)
    row = next(v for v in cert["verdicts"] if v["verdict"] == "finding")
    races = {"version": 1, "races": [{
        "scenario": row["property"][len("L3.race."):], "engine": "php-8.2",
        "handler": row["handler"], "property": "lost-update", "schedule": "0.1.0",
        "replay": "sessionspec oracle x.scn --handler php:files --replay 0.1.0",
        "verdict": "finding", "row": row["property"], "trace": []}]}
    path = tmp_path / "races.json"
    path.write_text(json.dumps(races), encoding="utf-8")
    html = render(tmp_path, "--certificate", os.path.join(PASSING, "certificate.json"),
                  "--races", str(path))
    body = attention_item(html, row["property"])
    assert "sessionspec oracle x.scn --handler php:files --replay 0.1.0" in body
    assert '<table class="lanes"' not in body
