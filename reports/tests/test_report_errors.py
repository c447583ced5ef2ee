"""Error handling: bad input -> exit 2, one line `reports: FILE:LINE: what`, and no output file."""

import json
import os

import pytest

from conftest import DATA, run_cli

GOOD = os.path.join(DATA, "gist-open-write-close.jsonl")


def good_lines():
    with open(GOOD, encoding="utf-8") as handle:
        return handle.read().splitlines()


def write_trace(tmp_path, lines, name="bad.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def edit_line(number, **changes):
    """The good trace with fields of line `number` (1-based) changed; a value of ... deletes the field."""
    lines = good_lines()
    event = json.loads(lines[number - 1])
    for key, value in changes.items():
        if value is ...:
            del event[key]
        else:
            event[key] = value
    lines[number - 1] = json.dumps(event)
    return lines


def assert_fails(tmp_path, args, *needles):
    """Exit 2, exactly one stderr line starting `reports: ` holding every needle, output not written."""
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir(exist_ok=True)
    proc = run_cli("--out", str(out), *map(str, args))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("reports: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert os.listdir(out.parent) == [], "no report and no temporary file may be left behind"
    return lines[0]


def test_malformed_json_line_names_file_and_line(tmp_path):
    lines = good_lines()
    lines[2] = lines[2][:-5]  # cut the closing of line 3
    path = write_trace(tmp_path, lines)
    message = assert_fails(tmp_path, [path], f"{path}:3:", "malformed JSON")
    print(message)


def test_wrong_schema_version(tmp_path):
    path = write_trace(tmp_path, edit_line(5, v=2))
    assert_fails(tmp_path, [path], f"{path}:5:", "schema version v=2")


def test_wrong_version_on_first_line(tmp_path):
    path = write_trace(tmp_path, edit_line(1, v="1"))
    assert_fails(tmp_path, [path], f"{path}:1:", 'v="1"')


@pytest.mark.parametrize("line, field", [(1, "engine"), (3, "seq"), (4, "result"), (11, "set_cookie"),
                                         (7, "diagnostics")])
def test_missing_field(tmp_path, line, field):
    path = write_trace(tmp_path, edit_line(line, **{field: ...}))
    assert_fails(tmp_path, [path], f"{path}:{line}:", f'missing field "{field}"')


def test_ill_typed_field(tmp_path):
    path = write_trace(tmp_path, edit_line(3, request="1"))
    assert_fails(tmp_path, [path], f"{path}:3:", '"request" must be an integer')


def test_unknown_kind(tmp_path):
    path = write_trace(tmp_path, edit_line(4, kind="call"))
    assert_fails(tmp_path, [path], f"{path}:4:", 'unknown kind "call"')


def test_event_before_run(tmp_path):
    path = write_trace(tmp_path, good_lines()[1:])
    assert_fails(tmp_path, [path], f"{path}:1:", "before any run event")


def test_seq_must_increase(tmp_path):
    path = write_trace(tmp_path, edit_line(6, seq=3))
    assert_fails(tmp_path, [path], f"{path}:6:", "not greater than the previous 4")


def test_scenario_switch_without_run(tmp_path):
    path = write_trace(tmp_path, edit_line(6, scenario="other"))
    assert_fails(tmp_path, [path], f"{path}:6:", 'scenario "other"')


def test_not_utf8(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(("\n".join(good_lines()[:3]) + "\n").encode() + b'{"v":1,"name":"\xff"}\n')
    assert_fails(tmp_path, [path], f"{path}:4:", "not UTF-8")


def test_empty_trace(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    assert_fails(tmp_path, [path], f"{path}:", "no events")


def test_missing_input_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    assert_fails(tmp_path, [GOOD, missing], f"{missing}: no such file")


def test_error_in_second_file_writes_nothing(tmp_path):
    path = write_trace(tmp_path, edit_line(2, v=3))
    assert_fails(tmp_path, [GOOD, path], f"{path}:2:")


def test_existing_report_is_kept_on_error(tmp_path):
    out = tmp_path / "report.html"
    out.write_text("previous report")
    path = write_trace(tmp_path, edit_line(2, v=3))
    proc = run_cli("--out", str(out), str(path))
    assert proc.returncode == 2
    assert out.read_text() == "previous report"
    assert sorted(os.listdir(tmp_path)) == ["bad.jsonl", "report.html"]


@pytest.mark.parametrize("option, content, needle", [
    ("--certificate", {"version": 2, "handlers": [], "properties": [], "verdicts": []}, "unsupported version 2"),
    ("--certificate", {"version": 1, "handlers": ["h"], "properties": [], "verdicts": [
        {"handler": "h", "property": "P", "verdict": "maybe", "evidence": "", "replay": None}]},
     'verdicts[0]: verdict "maybe"'),
    ("--mutants", {"version": 1, "mutants": [{"name": "m", "description": "", "killed": "yes",
                                              "killed_by": None, "time_ms": 1}]}, 'mutants[0]: field "killed"'),
    ("--races", {"version": 1, "races": [{"scenario": "s", "engine": "e", "handler": "h", "property": "p",
                                          "schedule": "", "replay": None, "verdict": "fail",
                                          "trace": "missing.jsonl"}]}, "races[0].trace: no such file"),
    ("--races", {"version": 1, "races": [{"scenario": "s", "engine": "e", "handler": "h", "property": "p",
                                          "schedule": "", "replay": None, "verdict": "fail",
                                          "trace": [{"v": 9}]}]}, "races[0].trace[0]: unsupported schema version"),
])
def test_bad_result_files(tmp_path, option, content, needle):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(content))
    assert_fails(tmp_path, [option, path, GOOD], needle)


def test_result_file_syntax_error_names_line(tmp_path):
    path = tmp_path / "cert.json"
    path.write_text('{\n  "version": 1,\n  "handlers": [,]\n}\n')
    assert_fails(tmp_path, ["--certificate", path, GOOD], f"{path}:3:", "malformed JSON")


def test_usage_error_exits_2(tmp_path):
    proc = run_cli(GOOD)  # no --out
    assert proc.returncode == 2
    assert "--out" in proc.stderr
