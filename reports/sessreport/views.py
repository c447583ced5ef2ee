"""View models: plain dicts the Jinja template renders without further logic.

Everything that needs a decision (what to clip, which runs to compare, which row is the first
divergence) is decided here so that the template stays a straightforward loop and the decisions are
testable without HTML.
"""

import re
from collections import OrderedDict

from . import compare, sequence, values, verdict
from .traces import HANDLER_METHODS

CELL_LIMIT = 200        # characters of a call / session value shown in a table cell before clipping
COMPARE_LIMIT = 110     # characters per side-by-side cell
OPEN_LIMIT = 2000       # reports with more events start with every section collapsed (fast first paint)


# ---------------------------------------------------------------- small helpers

def slug(text, taken):
    """A stable, unique HTML id fragment for `text` (ids must survive re-generation for links)."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _group_id(run, event):
    """Rows of one script call (script + its handler calls) share a group, for the method filter."""
    return f"{run.index}-{event['request']}-{event['step']}"


def _state(event):
    """status / id / $_SESSION after a script call or at the response."""
    session = event["session"]
    return {"status": event["status"], "id": event["id"],
            "session": None if session is None else values.clip(values.quote(session, event.get("bin", False)),
                                                                CELL_LIMIT)}


# ---------------------------------------------------------------- two-column view

def _request_row(run, event):
    return {"type": "request", "request": event["request"], "seq": event["seq"],
            "cookie": event["args"][0], "lane": event.get("lane")}


def _script_row(run, event):
    res, cls = values.result(event)
    return {"type": "script", "request": event["request"], "seq": event["seq"], "step": event["step"],
            "group": _group_id(run, event), "call": values.clip(values.script_call(event), CELL_LIMIT),
            "result": None if values.is_silent(event) else values.clip(res, CELL_LIMIT), "cls": cls,
            "diagnostics": event["diagnostics"], "state": _state(event), "lane": event.get("lane")}


def _handler_row(run, event):
    res, cls = values.result(event)
    return {"type": "handler", "request": event["request"], "seq": event["seq"], "step": event["step"],
            "group": _group_id(run, event), "method": event["name"], "text": values.call(event),
            "call": values.clip(values.call(event), CELL_LIMIT), "result": values.clip(res, CELL_LIMIT),
            "cls": cls}


def _response_row(run, event):
    return {"type": "response", "request": event["request"], "seq": event["seq"], "step": event["step"],
            "group": _group_id(run, event), "set_cookie": event["set_cookie"], "state": _state(event)}


_ROW_BUILDERS = {"request": _request_row, "script": _script_row, "handler": _handler_row,
                 "response": _response_row}


def two_column_rows(run):
    """Rows of the gist-style view: script calls on the left, handler calls indented on the right."""
    return [_ROW_BUILDERS[e["kind"]](run, e) for e in run.events if e["kind"] in _ROW_BUILDERS]


# ---------------------------------------------------------------- side by side comparisons

def event_summary(event):
    """One-line text of an event for side-by-side cells."""
    kind = event["kind"]
    if kind == "request":
        cookie = event["args"][0]
        return "▶ request · " + (f"Cookie: {cookie}" if cookie else "no cookie")
    if kind == "response":
        cookies = event["set_cookie"]
        return "◀ response · " + ("Set-Cookie: " + ", ".join(cookies) if cookies else "no Set-Cookie")
    if kind == "fault":
        seconds = f" {event['args'][0]} s" if event["args"] else ""
        note = f" ({event['note']})" if isinstance(event.get("note"), str) else ""
        return f"⚡ {event['name']}{seconds} at {event['at']}{note}"
    res, _ = values.result(event)
    if kind == "handler":
        return f"↳ {values.call(event)} → {res}"
    text = values.script_call(event)
    if not values.is_silent(event):
        text += f" → {res}"
    if event.get("diagnostics"):
        text += "  ⚠ " + "; ".join(d["message"] for d in event["diagnostics"])
    return text


def state_summary(event):
    """`status active · id k1 · $_SESSION 'a:0:{}'` for script/response events, else None.

    Shown in differing comparison rows: two engines often agree on the call and its result but not
    on the state it leaves behind, and the reader must see why a row is marked.
    """
    if event is None or event["kind"] not in ("script", "response"):
        return None
    session = event["session"]
    shown = "null" if session is None else values.quote(session, event.get("bin", False))
    return f"status {event['status']} · id {event['id'] if event['id'] is not None else 'null'} · $_SESSION {shown}"


def _key_text(key):
    request, step, n = key
    return f"r{request} s{step}" + (f".{n}" if n else "")


def _compare_row(cmp_id, index, row, first):
    cells = []
    for event, differs in zip(row.events, row.cell_differs):
        if event is None:
            cells.append({"text": "—", "cls": "missing" + (" cell-diff" if differs else ""), "state": None})
            continue
        text = event_summary(event)
        cls = f"k-{event['kind']}" + (" cell-diff" if differs else "")
        state = state_summary(event) if row.differs else None
        cells.append({"text": values.clip(text, COMPARE_LIMIT), "cls": cls,
                      "state": values.clip(state, COMPARE_LIMIT) if state else None})
    methods = sorted({e["name"] for e in row.events if e is not None and e["kind"] == "handler"})
    cls = "divergence" if index == first else ("differs" if row.differs else "")
    return {"key": _key_text(row.key), "request": row.key[0], "methods": " ".join(methods),
            "cls": cls, "cells": cells, "anchor": f"{cmp_id}-first" if index == first else None}


def comparison_view(kind, cmp_id, runs, headers, raw_ids):
    """A comparison table: `headers` label the columns (one per run, first is the reference)."""
    result = compare.compare(runs, raw_ids=raw_ids)
    rows = [_compare_row(cmp_id, i, row, result.first) for i, row in enumerate(result.rows)]
    first = None
    if result.first_row is not None:
        r = result.first_row
        request, step, _ = r.key
        sides = [f"{h}: {event_summary(e) if e else '(no event)'}"
                 + (f"  [{state_summary(e)}]" if state_summary(e) else "") for h, e in zip(headers, r.events)]
        where = [e["_at"] if e else "—" for e in r.events]
        first = {"anchor": f"{cmp_id}-first", "request": request, "step": step, "sides": sides,
                 "where": where}
    return {"kind": kind, "id": cmp_id, "headers": headers, "rows": rows, "first": first,
            "n_differs": result.n_differs, "n_rows": len(rows)}


def _first_per_engine(runs):
    """The first run of each engine, in input order."""
    seen = OrderedDict()
    for run in runs:
        seen.setdefault(run.engine, run)
    return list(seen.values())


def engine_comparisons(scn_id, runs, raw_ids):
    """Side-by-side tables when a scenario ran under several engines (per handler when possible)."""
    by_handler = OrderedDict()
    for run in runs:
        by_handler.setdefault(run.handler, []).append(run)
    sets = [_first_per_engine(group) for group in by_handler.values()]
    sets = [s for s in sets if len(s) > 1]
    if not sets and len({r.engine for r in runs}) > 1:
        sets = [_first_per_engine(runs)]   # engines only ever ran different handlers: compare anyway
    views = []
    for n, runs_set in enumerate(sets, start=1):
        headers = [r.engine if len(by_handler) == 1 else r.label() for r in runs_set]
        views.append(comparison_view("engines", f"{scn_id}-engines-{n}", runs_set, headers, raw_ids))
    return views


def expected_actual(scn_id, runs, raw_ids):
    """Model (expected) vs every other handler (actual), per engine."""
    views = []
    for engine in OrderedDict((r.engine, None) for r in runs):
        same = [r for r in runs if r.engine == engine]
        model = next((r for r in same if r.is_model), None)
        if model is None:
            continue
        for actual in (r for r in same if r.handler != model.handler):
            cmp_id = f"{scn_id}-expected-{actual.index}"
            headers = [f"expected: {model.handler}", f"actual: {actual.handler}"]
            view = comparison_view("expected-actual", cmp_id, [model, actual], headers, raw_ids)
            view["engine"] = engine
            views.append(view)
    return views


# ---------------------------------------------------------------- runs and scenarios

def _run_meta(run):
    header = run.header
    meta = [("variant", run.variant), ("seed", str(header["seed"])), ("source", run.source)]
    if header["ini"]:
        meta.append(("ini", " ".join(f"{k}={v}" for k, v in sorted(header["ini"].items()))))
    for extra in ("schedule", "trace_hash"):
        if extra in header:
            meta.append((extra, str(header[extra])))
    return meta


def _run_counts(run):
    counts = {k: 0 for k in ("request", "script", "handler", "response")}
    warnings = errors = 0
    for e in run.events:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
        if e["kind"] == "script":
            warnings += len(e["diagnostics"])
        if isinstance(e["result"], dict) and ("error" in e["result"] or "exception" in e["result"]):
            errors += 1
    counts.update(events=len(run.events), diagnostics=warnings, errors=errors)
    return counts


def run_view(run, max_events):
    """Two-column rows, the SVG diagram and metadata of one run."""
    svg, undrawn = sequence.diagram(run, max_events)
    return {"id": f"run-{run.index}", "run": run, "label": run.label(), "meta": _run_meta(run),
            "counts": _run_counts(run), "rows": two_column_rows(run), "svg": svg, "undrawn": undrawn}


def scenario_views(runs, options):
    """One view per scenario name (input order), with its runs and comparisons."""
    by_name = OrderedDict()
    for run in runs:
        by_name.setdefault(run.scenario, []).append(run)
    taken = set()
    views = []
    for name, scn_runs in by_name.items():
        scn_id = "scn-" + slug(name, taken)
        engines = engine_comparisons(scn_id, scn_runs, options["raw_ids"])
        expected = expected_actual(scn_id, scn_runs, options["raw_ids"])
        run_views = [run_view(r, options["max_diagram_events"]) for r in scn_runs]
        first = next((c["first"] for c in engines + expected if c["first"]), None)
        views.append({"name": name, "id": scn_id, "runs": run_views, "engines": engines,
                      "expected": expected, "first": first,
                      "engine_names": list(OrderedDict.fromkeys(r.engine for r in scn_runs)),
                      "handler_names": list(OrderedDict.fromkeys(r.handler for r in scn_runs)),
                      "events": sum(len(r.events) for r in scn_runs),
                      "diagnostics": sum(v["counts"]["diagnostics"] for v in run_views)})
    return views


# ---------------------------------------------------------------- result files

_VERDICT_MARK = {"pass": "✔ pass", "fail": "✘ fail", "skip": "– skip", "finding": "! finding",
                 "error": "⚠ error"}


def _certificate_cell(verdict, anchor):
    """One verdict of the matrix: its mark, colour, tooltip and, when notable, its evidence link."""
    if verdict is None:
        return {"mark": "—", "cls": "verdict-none", "tip": "no verdict", "href": None}
    tip = verdict["evidence"] + (f"\nreplay: {verdict['replay']}" if verdict["replay"] else "")
    return {"mark": _VERDICT_MARK[verdict["verdict"]], "cls": f"verdict-{verdict['verdict']}",
            "tip": tip, "href": f"#{anchor}" if anchor else None}


def certificate_view(cert, anchors=None):
    """Properties x handlers matrix (one row per property, so it fits a screen however many
    properties there are), plus the list of verdicts that need attention."""
    if cert is None:
        return None
    anchors = anchors or {}
    rows = []
    for prop in cert["properties"]:
        cells = [_certificate_cell(cert["cells"].get((handler, prop["id"])),
                                   anchors.get((handler, prop["id"])))
                 for handler in cert["handlers"]]
        rows.append({"property": prop, "cells": cells})
    notable = [v for v in cert["verdicts"] if v["verdict"] in ("fail", "error", "finding")]
    return {"handlers": cert["handlers"], "rows": rows, "counts": cert["counts"],
            "notable": notable}


def _lane_rows(runs):
    """Rows of a race trace: one column per lane (the `lane` field, else `request N`)."""
    lanes = OrderedDict()
    rows = []
    for run in runs:
        for event in run.events:
            lane = event.get("lane") or f"request {event['request']}"
            column = lanes.setdefault(lane, len(lanes))
            _, cls = values.result(event) if event["kind"] in ("script", "handler") else (None, "ok")
            rows.append({"seq": event["seq"], "request": event["request"], "column": column,
                         "method": event["name"] if event["kind"] == "handler" else None,
                         "kind": event["kind"], "cls": cls,
                         "text": values.clip(event_summary(event), COMPARE_LIMIT)})
    return list(lanes), rows


def races_view(races):
    """Race entries with their lane tables."""
    if races is None:
        return None
    views = []
    for n, race in enumerate(races, start=1):
        lanes, rows = _lane_rows(race["runs"])
        schedule = race["runs"][0].header.get("schedule") if race["runs"] else None
        views.append({"id": f"race-{n}", "race": race, "lanes": lanes, "rows": rows,
                      "run_schedule": schedule, "verdict_cls": f"verdict-{race['verdict']}"})
    return views


# ---------------------------------------------------------------- the whole report

def summary(runs, scenarios, cert, mutants, races):
    """Numbers for the header ("events" excludes the run lines, which are headers, not events)."""
    counts = [_run_counts(r) for r in runs]

    def total(key):
        return sum(c[key] for c in counts)

    return {"scenarios": len(scenarios), "runs": len(runs),
            "engines": list(OrderedDict.fromkeys(r.engine for r in runs)),
            "handlers": list(OrderedDict.fromkeys(r.handler for r in runs)),
            "requests": total("request"), "events": total("events"), "script": total("script"),
            "handler": total("handler"), "diagnostics": total("diagnostics"), "errors": total("errors"),
            "divergent": sum(1 for s in scenarios if s["first"]),
            "certificate": cert["counts"] if cert else None,
            "mutants": mutants, "races": len(races) if races is not None else None}


def observed_methods(runs):
    """Handler methods present in the traces, in PHP's documented order (for the filter menu)."""
    seen = {e["name"] for r in runs for e in r.events if e["kind"] == "handler"}
    return [m for m in HANDLER_METHODS if m in seen] + sorted(seen - set(HANDLER_METHODS))


def build(runs, cert=None, mutants=None, races=None, *, title, inputs, options):
    """The whole template context. With a certificate the page is verdict first: the banner,
    what failed and was found, the matrix; the per-scenario views follow, collapsed."""
    scenarios = scenario_views(runs, options)
    summ = summary(runs, scenarios, cert, mutants, races)
    race_views = races_view(races)
    attention = verdict.attention_view(cert, runs, race_views, two_column_rows)
    return {"title": title, "inputs": inputs, "summary": summ, "scenarios": scenarios,
            "banner": verdict.banner_view(cert), "attention": attention,
            "certificate": certificate_view(cert, verdict.anchors(attention)), "mutants": mutants,
            "races": race_views, "methods": observed_methods(runs),
            "open": cert is None and summ["events"] <= OPEN_LIMIT, "raw_ids": options["raw_ids"]}
