"""Golden tests: hand-written traces in data/ rendered and compared with reviewed files in golden/.

The comparison uses a normalised extract (the page without the inlined CSS and JS, which change for
cosmetic reasons) so that goldens only change when content or structure changes.
Regenerate with:  UPDATE_GOLDEN=1 pytest reports/tests -k golden   (then review the diff by eye).
"""

import os
import re

import pytest

from conftest import GOLDEN, run_cli

CASES = {
    "gist-open-write-close": ["gist-open-write-close.jsonl"],
    "regenerate": ["regenerate.jsonl"],
    "divergence": ["divergence.jsonl", "actual-files.jsonl", "--certificate", "cert.json",
                   "--mutants", "mutants.json", "--races", "races.json", "--title", "divergence demo"],
}


def normalise(html):
    """Drop the inlined stylesheet and script bodies; keep everything else byte for byte."""
    html = re.sub(r"<style>.*?</style>", "<style>/* report.css */</style>", html, flags=re.S)
    return re.sub(r"<script>.*?</script>", "<script>/* report.js */</script>", html, flags=re.S)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case, tmp_path):
    out = tmp_path / "report.html"
    proc = run_cli("--out", str(out), *CASES[case])
    assert proc.returncode == 0, proc.stderr
    actual = normalise(out.read_text(encoding="utf-8"))
    golden = os.path.join(GOLDEN, f"{case}.html")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        with open(golden, "w", encoding="utf-8") as handle:
            handle.write(actual)
        pytest.skip(f"golden file {golden} rewritten; review it")
    with open(golden, encoding="utf-8") as handle:
        expected = handle.read()
    assert actual == expected, f"{case}: output differs from {golden} (UPDATE_GOLDEN=1 to accept after review)"


def test_output_is_deterministic(tmp_path):
    """Two runs give identical bytes (no timestamps, no set-ordering), which goldens rely on."""
    outs = []
    for n in range(2):
        out = tmp_path / f"r{n}.html"
        assert run_cli("--out", str(out), *CASES["divergence"]).returncode == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_self_contained(tmp_path):
    """No network: no external scripts, stylesheets, fonts or images."""
    out = tmp_path / "report.html"
    assert run_cli("--out", str(out), *CASES["divergence"]).returncode == 0
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", html)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
