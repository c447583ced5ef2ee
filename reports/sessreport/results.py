"""Read and validate the optional result files: certificate, mutants and races (formats in README.md).

Each loader returns plain dicts/lists ready for the views; any problem raises ReportError naming the
file and the JSON path of the culprit (e.g. `cert.json: verdicts[2]: missing field "verdict"`).
"""

import json
import os

from .errors import ReportError
from .traces import load_inline_events, load_trace_file

VERDICTS = ("pass", "fail", "skip", "finding", "error")


def _load_json(path):
    """Decode a whole JSON file; syntax errors name the line."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ReportError(path, "no such file") from None
    except OSError as exc:
        raise ReportError(path, f"cannot read: {exc.strerror}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportError(path, "not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{exc.lineno}", f"malformed JSON: {exc.msg} (column {exc.colno})") from None


def _require(where, obj, fields):
    """Check that `obj` is an object holding `fields` ((name, python types) pairs)."""
    if not isinstance(obj, dict):
        raise ReportError(where, "expected a JSON object")
    for name, types in fields:
        if name not in obj:
            raise ReportError(where, f'missing field "{name}"')
        value = obj[name]
        # bool is an int in Python; only accept it where bool is listed explicitly.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = "/".join("null" if t is type(None) else t.__name__ for t in types)
            raise ReportError(where, f'field "{name}" must be {wanted}, got {json.dumps(value)[:60]}')


def _versioned(path, key):
    """Load a result file, check `version` == 1 and return the array under `key`."""
    data = _load_json(path)
    _require(path, data, (("version", (int,)), (key, (list,))))
    if data["version"] != 1:
        raise ReportError(path, f"unsupported version {data['version']} (this reader knows 1)")
    return data


def load_certificate(path):
    """Certificate: handlers x properties with one verdict each (missing pairs render as "—")."""
    data = _versioned(path, "verdicts")
    _require(path, data, (("handlers", (list,)), ("properties", (list,))))
    handlers = data["handlers"]
    for i, handler in enumerate(handlers):
        if not isinstance(handler, str):
            raise ReportError(f"{path}: handlers[{i}]", "must be a string")
    props = data["properties"]
    for i, prop in enumerate(props):
        _require(f"{path}: properties[{i}]", prop,
                 (("id", (str,)), ("title", (str,)), ("level", (str, int))))
    prop_ids = {p["id"] for p in props}
    cells = {}
    for i, verdict in enumerate(data["verdicts"]):
        where = f"{path}: verdicts[{i}]"
        _require(where, verdict, (("handler", (str,)), ("property", (str,)), ("verdict", (str,)),
                                  ("evidence", (str,)), ("replay", (str, type(None))),))
        if verdict["verdict"] not in VERDICTS:
            raise ReportError(where, f'verdict "{verdict["verdict"]}" is not one of {", ".join(VERDICTS)}')
        if verdict["handler"] not in handlers:
            raise ReportError(where, f'handler "{verdict["handler"]}" is not listed in "handlers"')
        if verdict["property"] not in prop_ids:
            raise ReportError(where, f'property "{verdict["property"]}" is not listed in "properties"')
        cells[(verdict["handler"], verdict["property"])] = verdict
        _optional(where, verdict, (("counterexample", (str, type(None))), ("level", (int,)),
                                   ("engine", (str,))))
    return {"handlers": handlers, "properties": props, "cells": cells,
            "verdicts": data["verdicts"], "counts": _count_verdicts(data["verdicts"]),
            "meta": _certificate_meta(path, data)}


def _optional(where, obj, fields):
    """Like _require, for fields that may be absent (older certificates, hand-written ones)."""
    _require(where, obj, tuple(f for f in fields if f[0] in obj))


# What the verdict banner shows (docs/certificate-format.md); every field may be absent.
_META_FIELDS = (("tool", (dict,)), ("seed", (int,)), ("level_requested", (int,)),
                ("level_achieved", (int,)), ("outcome", (str,)), ("budgets", (dict,)),
                ("only", (list,)), ("started_at", (str,)), ("finished_at", (str,)),
                ("php_version", (str, type(None))), ("engines", (list,)),
                ("handler_details", (list,)))


def _certificate_meta(path, data):
    """The self-describing fields of a certificate, type-checked, absent ones left out."""
    _optional(path, data, _META_FIELDS)
    meta = {name: data[name] for name, _ in _META_FIELDS if name in data}
    for i, detail in enumerate(meta.get("handler_details", [])):
        where = f"{path}: handler_details[{i}]"
        _require(where, detail, (("name", (str,)),))
        _optional(where, detail, (("guarantees", (dict,)), ("assumed", (list,)),
                                  ("level_achieved", (int,)), ("kind", (str,)), ("uri", (str,))))
    return meta


def _count_verdicts(verdicts):
    """{"pass": n, "fail": n, ...} in the fixed VERDICTS order."""
    counts = {name: 0 for name in VERDICTS}
    for verdict in verdicts:
        counts[verdict["verdict"]] += 1
    return counts


def load_mutants(path):
    """Mutant kill table; adds the kill score."""
    data = _versioned(path, "mutants")
    for i, mutant in enumerate(data["mutants"]):
        _require(f"{path}: mutants[{i}]", mutant,
                 (("name", (str,)), ("description", (str,)), ("killed", (bool,)),
                  ("killed_by", (str, type(None))), ("time_ms", (int, float))))
    mutants = data["mutants"]
    killed = sum(1 for m in mutants if m["killed"])
    return {"mutants": mutants, "killed": killed, "total": len(mutants),
            "score": (100.0 * killed / len(mutants)) if mutants else None}


def load_races(path):
    """Races: each entry's `trace` is a path (relative to races.json) or an inline array of events."""
    data = _versioned(path, "races")
    races = []
    for i, race in enumerate(data["races"]):
        where = f"{path}: races[{i}]"
        _require(where, race, (("scenario", (str,)), ("engine", (str,)), ("handler", (str,)),
                               ("property", (str,)), ("schedule", (str,)),
                               ("replay", (str, type(None))), ("verdict", (str,)),
                               ("trace", (str, list))))
        _optional(where, race, (("row", (str,)),))
        entry = dict(race)
        entry["runs"] = _race_runs(path, where, race["trace"])
        races.append(entry)
    return races


def _race_runs(races_path, where, trace):
    """Load a race's trace: a file next to races.json, or inline events. An empty inline trace
    is a race known by its schedule and replay line only (certify cannot replay real PHP
    processes in-process); it is listed without lanes."""
    if trace == []:
        return []
    if isinstance(trace, list):
        return load_inline_events(f"{where}.trace", trace, f"{os.path.basename(races_path)} (inline)")
    resolved = trace if os.path.isabs(trace) else os.path.join(os.path.dirname(races_path), trace)
    if not os.path.exists(resolved):
        raise ReportError(f"{where}.trace", f"no such file: {resolved}")
    return load_trace_file(resolved)
