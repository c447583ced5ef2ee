"""Content tests: the generated HTML holds the promised elements, and the helper logic is right."""

import json
import os

from conftest import DATA, run_cli
from htmlscan import elements, find
from sessreport import compare, traces, values

ALL = ["divergence.jsonl", "actual-files.jsonl", "gist-open-write-close.jsonl", "--certificate", "cert.json",
       "--mutants", "mutants.json", "--races", "races.json"]


def render(tmp_path, *args):
    out = tmp_path / "report.html"
    proc = run_cli("--out", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def test_sections_present(tmp_path):
    els = elements(render(tmp_path, *ALL))
    assert find(els, "table", "two-column")
    assert find(els, "svg", "sequence")
    assert len(find(els, "table", "certificate")) == 1
    assert len(find(els, "table", "mutants")) == 1
    assert find(els, "table", "races") and find(els, "table", "lanes")
    assert find(els, "table", "engine-compare") and find(els, "table", "expected-actual")


def test_first_divergence_is_marked_once_per_comparison(tmp_path):
    els = elements(render(tmp_path, *ALL))
    marked = find(els, "tr", "divergence")
    # one engines comparison + one expected-vs-actual comparison
    assert [e.attrs["id"] for e in marked] == ["scn-lazy-write-unchanged-engines-1-first",
                                               "scn-lazy-write-unchanged-expected-3-first"]


def test_two_column_groups_requests_with_cookie_and_set_cookie(tmp_path):
    html = render(tmp_path, "gist-open-write-close.jsonl")
    assert len(find(html, "tr", "request")) == 2
    assert len(find(html, "tr", "response")) == 2
    assert "PHPSESSID=f57cvufkbu6qgfiqkksuagl257" in html
    handler_rows = find(html, "tr", "handler")
    assert [r.attrs["data-method"] for r in handler_rows] == [
        "open", "create_sid", "read", "write", "close", "open", "read", "updateTimestamp", "close"]


def test_sequence_diagram_lanes_and_store_arrows(tmp_path):
    html = render(tmp_path, "gist-open-write-close.jsonl")
    svg = html[html.index('<svg class="sequence"'):html.index("</svg>")]
    for lane in ("Browser", "Engine", "Handler", "Store"):
        assert f">{lane}</text>" in svg
    # 6 data-touching handler calls: create_sid, read, write, read, updateTimestamp (+0 for open/close)
    assert svg.count('class="arrow store"') == 5
    assert svg.count('class="arrow req"') == 2 and svg.count('class="arrow resp"') == 2


def test_long_labels_are_clipped_with_tooltip(tmp_path):
    long_value = "x" * 500
    path = tmp_path / "long.jsonl"
    base = {"v": 1, "scenario": "long", "args": [], "result": None}
    lines = [dict(base, request=0, seq=0, step=0, kind="run", name="run", engine="php-8.2", handler="model",
                  variant="full", ini={}, seed=1),
             dict(base, request=1, seq=1, step=0, kind="request", name="request", args=[None]),
             dict(base, request=1, seq=2, step=1, kind="handler", name="write", args=["id", long_value], result=True),
             dict(base, request=1, seq=3, step=2, kind="response", name="end", set_cookie=[], status="none",
                  id=None, session=None)]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    html = render(tmp_path, str(path), "--max-diagram-events", "2")
    svg = html[html.index('<svg class="sequence"'):html.index("</svg>")]
    assert long_value not in svg.split("<title>")[0]       # the drawn text is clipped...
    assert f"<title>write(&#x27;id&#x27;, &#x27;{long_value}&#x27;)</title>" in svg  # ...the tooltip is full
    assert "1 more events not drawn" in svg
    assert 'class="clip" title=' in html                  # table cells clip too


def test_values_display_bytes_and_php_literals():
    assert values.quote("\u00ff\u00fe", binary=True) == "'\\xff\\xfe'"
    assert values.quote("\u00c3\u00a9", binary=True) == "'é'"          # valid UTF-8 bytes shown as text
    assert values.quote("it's\n") == "'it\\'s\\n'"
    assert values.literal({"a": [1, True, None]}) == "['a' => [1, true, null]]"
    event = {"kind": "handler", "name": "read", "args": ["k"], "result": {"error": "disk"}}
    assert values.result(event) == ("error: disk", "err")


def test_session_ids_are_compared_by_first_appearance():
    runs = traces.load_trace_file(_data("divergence.jsonl"))
    assert compare.id_aliases(runs[0]) == {"aaaabbbbccccddddeeeeffff00": "<id1>"}
    result = compare.compare(runs)
    first = result.first_row
    assert first.key == (2, 2, 1)
    assert [e["name"] for e in first.events] == ["updateTimestamp", "write"]
    assert compare.compare(runs, raw_ids=True).first_row.key == (1, 1, 0)  # ids differ from the start


def test_identical_runs_agree(tmp_path):
    html = render(tmp_path, "gist-open-write-close.jsonl", "gist-open-write-close.jsonl")
    assert "All 19 rows agree." not in html          # same engine and handler: no comparison table
    runs = traces.load_trace_file(_data("gist-open-write-close.jsonl")) * 2
    assert compare.compare(runs).first is None


def _data(name):
    return os.path.join(DATA, name)


def test_error_verdicts_are_shown_as_errors(tmp_path):
    # `sessionspec certify` marks rows that could not judge (a server that refuses connections)
    # `error`; the report must accept them and never show them as passes.
    with open(os.path.join(DATA, "cert.json"), encoding="utf-8") as handle:
        cert = json.load(handle)
    cert["verdicts"][0].update(verdict="error", evidence="redis: connection refused")
    path = tmp_path / "cert-error.json"
    path.write_text(json.dumps(cert))
    els = elements(render(tmp_path, "gist-open-write-close.jsonl", "--certificate", str(path)))
    cells = find(els, "td", "verdict-error")
    assert cells, "no cell with the error verdict"
