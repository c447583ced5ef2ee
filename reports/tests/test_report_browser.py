"""Browser tests: headless Debian Chromium loads the report offline, shows the elements, paints pixels."""

import os

from conftest import chromium, needs_chromium, run_cli
from htmlscan import elements, find
from pngread import grey_stats

ARGS = ["divergence.jsonl", "actual-files.jsonl", "gist-open-write-close.jsonl", "--certificate", "cert.json",
        "--mutants", "mutants.json", "--races", "races.json", "--title", "browser test"]


def make_report(tmp_path):
    out = tmp_path / "report.html"
    proc = run_cli("--out", str(out), *ARGS)
    assert proc.returncode == 0, proc.stderr
    return out


@needs_chromium
def test_dump_dom_shows_expected_elements(tmp_path):
    out = make_report(tmp_path)
    proc = chromium("--dump-dom", f"file://{out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    els = elements(proc.stdout)
    assert find(els, "table", "two-column")
    assert find(els, "svg", "sequence")
    assert find(els, "table", "certificate")
    assert find(els, "table", "mutants")
    assert find(els, "tr", "divergence")
    assert find(els, "select", id="filter-method")


@needs_chromium
def test_filter_from_url_hides_rows(tmp_path):
    """The inline JS runs: #req=2&method=write keeps request 2's write rows (and their context) only."""
    out = make_report(tmp_path)
    proc = chromium("--dump-dom", f"file://{out}#req=2&method=write")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [e for e in find(proc.stdout, "tr") if "data-request" in e.attrs]
    visible = [e for e in rows if "hidden" not in e.attrs]
    assert visible and len(visible) < len(rows)
    assert all(e.attrs["data-request"] == "2" for e in visible)
    visible_methods = {e.attrs["data-method"] for e in visible if "data-method" in e.attrs}
    assert visible_methods <= {"write"} | {m for m in visible_methods if "write" in m.split()}
    assert any(e.attrs.get("data-method") == "write" and "handler" in e.classes for e in visible)
    assert not any(e.attrs.get("data-method") == "read" for e in visible)
    groups = find(proc.stdout, "g")
    assert any("dim" in g.classes for g in groups) and any("dim" not in g.classes for g in groups)


@needs_chromium
def test_screenshot_is_not_blank(tmp_path):
    out = make_report(tmp_path)
    png = tmp_path / "out.png"
    proc = chromium(f"--screenshot={png}", "--window-size=1200,900", f"file://{out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert png.exists() and os.path.getsize(png) > 1000
    mean, variance, levels = grey_stats(str(png))
    print(f"screenshot: mean grey {mean:.1f}, variance {variance:.1f}, {levels} grey levels")
    assert variance > 100, "the page looks blank"
    assert levels > 20, "too few distinct colours for a rendered report"
