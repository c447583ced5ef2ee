"""Size test: a 10,000-event trace renders and loads in Chromium. Timings are printed, not asserted."""

import time

from conftest import big_trace, chromium, chromium_binary, run_cli
from htmlscan import find

N_EVENTS = 10_000


def test_10000_events_render_and_load(tmp_path, capsys):
    trace = tmp_path / "big.jsonl"
    big_trace(trace, N_EVENTS)
    out = tmp_path / "big.html"

    start = time.monotonic()
    proc = run_cli("--out", str(out), str(trace))
    generation = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    rows = find(html, "tr")
    # every event but the run event is one row of the two-column table
    assert len([r for r in rows if "data-request" in r.attrs]) == N_EVENTS - 1
    assert "more events not drawn" in html     # the SVG stays bounded

    load = None
    if chromium_binary() is not None:  # without chromium, still check generation (and say so below)
        start = time.monotonic()
        dom = chromium("--dump-dom", f"file://{out}", timeout=300)
        load = time.monotonic() - start
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert f'<td class="seq">{N_EVENTS - 1}</td>' in dom.stdout
    with capsys.disabled():
        size_mb = out.stat().st_size / 1e6
        loaded = f"{load:.2f} s" if load is not None else "skipped (no chromium)"
        print(f"\n[size] {N_EVENTS} events: generation {generation:.2f} s, {size_mb:.1f} MB, "
              f"chromium --dump-dom {loaded}")
