"""The verdict-first part of a certificate report: the banner, and what failed or was found.

The banner answers "is this handler certified, at which level, by which tool, seed and budgets".
The attention list below it holds every row that failed, could not judge or found something, each
with its evidence (line breaks kept), its replay line and, where the inputs hold one, the evidence
drawn: the L1 trace with the failing step marked, the L2 counterexample's command list, the L3
interleaving as lanes. Decisions live here so that the template only lays them out.
"""

import re

# Attention order: what breaks the certificate first, then what could not be judged, then findings.
_ATTENTION_ORDER = {"fail": 0, "error": 1, "finding": 2}

_OUTCOME_TEXT = {"certified": "CERTIFIED", "not_certified": "NOT CERTIFIED",
                 "incomplete": "INCOMPLETE"}

# The first line of an L1 failure (scenarios::Failure::str()).
_L1_FAILURE = re.compile(r"^scenario (?P<scenario>\S+), request (?P<request>\d+), "
                         r"step (?P<step>\d+)(?: \(line \d+\))?: (?P<what>.*)$")
_EXPECTED = re.compile(r"^\s*expected:\s?(?P<text>.*)$")
_ACTUAL = re.compile(r"^\s*actual:\s*(?P<text>.*)$")

TRACE_ROWS_MAX = 80     # rows of an L1 trace shown before the failing step (older ones are cut)
HEADLINE_MAX = 220      # characters of an attention item's headline (the evidence is whole)

# A line of `key=value` pairs: an L2 case's configuration, which says nothing about the failure.
_CONFIG_LINE = re.compile(r"^(\S+=\S*\s*)+$")


def outcome(cert):
    """`certified`, `not_certified` or `incomplete`: the certificate's own word, else derived."""
    meta = cert["meta"]
    if meta.get("outcome") in _OUTCOME_TEXT:
        return meta["outcome"]
    counts = cert["counts"]
    if counts["fail"]:
        return "not_certified"
    return "incomplete" if counts["error"] else "certified"


def _guarantees_text(detail):
    """`concurrency last-writer-wins · expiry gc_only ...`, in the certificate's order."""
    guarantees = detail.get("guarantees") or {}
    return " · ".join(f"{key} {value}" for key, value in guarantees.items())


def _handler_lines(cert):
    """One line per certified handler: name, level achieved, declared and assumed guarantees."""
    details = {d["name"]: d for d in cert["meta"].get("handler_details", [])}
    lines = []
    for name in cert["handlers"]:
        detail = details.get(name, {})
        lines.append({"name": name, "level": detail.get("level_achieved"),
                      "guarantees": _guarantees_text(detail),
                      "assumed": detail.get("assumed") or []})
    return lines


def _facts(meta):
    """(label, value) pairs of the run that made the certificate; absent fields are left out."""
    facts = []
    tool = meta.get("tool")
    if tool:
        facts.append(("tool", f"{tool.get('name', 'sessionspec')} {tool.get('version', '?')}"
                              f" (commit {tool.get('commit', 'unknown')})"))
    if "seed" in meta:
        facts.append(("seed", str(meta["seed"])))
    budgets = meta.get("budgets")
    if budgets:
        shown = (f"{k.replace('_', ' ')} {v}" for k, v in budgets.items())
        facts.append(("budgets", " · ".join(shown)))
    if meta.get("only"):
        facts.append(("only", ", ".join(meta["only"])))
    if "php_version" in meta:
        facts.append(("PHP", meta["php_version"] or "not run (no php: handler)"))
    if meta.get("engines"):
        facts.append(("engines", ", ".join(meta["engines"])))
    if meta.get("started_at"):
        facts.append(("date", meta["started_at"] + (f" – {meta['finished_at']}"
                                                    if meta.get("finished_at") else "")))
    return facts


def banner_view(cert):
    """The verdict banner, or None for a report without a certificate."""
    if cert is None:
        return None
    meta = cert["meta"]
    word = outcome(cert)
    level = None
    if "level_achieved" in meta:
        achieved = meta["level_achieved"]
        level = (f"L{achieved}" if achieved else "none") + (
            f" of L{meta['level_requested']}" if "level_requested" in meta else "")
    return {"verdict": _OUTCOME_TEXT[word], "cls": word.replace("_", "-"), "level": level,
            "counts": cert["counts"], "facts": _facts(meta), "handlers": _handler_lines(cert)}


# ---------------------------------------------------------------- L1: the failing step of a trace

def parse_l1_failure(evidence):
    """{scenario, request, step, what, expected, actual} from an L1 row's evidence, or None."""
    lines = evidence.splitlines()
    match = _L1_FAILURE.match(lines[0]) if lines else None
    if not match:
        return None
    failure = {"scenario": match["scenario"], "request": int(match["request"]),
               "step": int(match["step"]), "what": match["what"], "expected": None, "actual": None}
    for line in lines[1:]:
        for key, pattern in (("expected", _EXPECTED), ("actual", _ACTUAL)):
            found = pattern.match(line)
            if found and failure[key] is None:
                failure[key] = found["text"]
    return failure


def _find_run(runs, scenario, handler):
    """The traced run of `scenario` for `handler` (or the only run of that scenario)."""
    candidates = [r for r in runs if r.scenario == scenario]
    exact = [r for r in candidates if r.handler == handler]
    if exact:
        return exact[0]
    return candidates[0] if len(candidates) == 1 else None


def _failing_rows(rows, failure):
    """Indexes of the rows that are the failing step: the named handler call, else the script
    call."""
    step = [i for i, r in enumerate(rows)
            if r["type"] != "request" and r["request"] == failure["request"]
            and r.get("step") == failure["step"]]
    what = failure["what"]
    call = what[len("handler answer to "):] if what.startswith("handler answer to ") else None
    handler_rows = [i for i in step if rows[i]["type"] == "handler"]
    if call is not None:
        exact = [i for i in handler_rows if rows[i]["text"] == call]
        if exact:
            return exact[:1]
        method = call.split("(", 1)[0]
        same = [i for i in handler_rows if rows[i]["method"] == method]
        if same:
            return same[:1]
    script = [i for i in step if rows[i]["type"] in ("script", "response")]
    return script[:1] or step[:1]


def l1_trace(failure, runs, handler, run_rows):
    """The trace of a failing L1 scenario up to the end of the failing request, step marked."""
    run = _find_run(runs, failure["scenario"], handler)
    if run is None:
        return None
    rows = [dict(r) for r in run_rows(run)]
    marked = _failing_rows(rows, failure)
    if not marked:
        return None
    for i in marked:
        rows[i]["failing"] = True
    last = max(i for i, r in enumerate(rows) if r["request"] <= failure["request"])
    first = max(0, marked[0] - TRACE_ROWS_MAX)
    return {"run_id": f"run-{run.index}", "rows": rows[first:last + 1], "cut": first,
            "failure": failure, "failing_index": marked[0] - first}


# ---------------------------------------------------------------- L2: the counterexample

def parse_counterexample(text):
    """{config: [lines], commands: [lines]} from a shrunk RapidCheck counterexample.

    properties::show_example writes one drawn value per `  TYPE: value` line, multi-line values
    indented below their type, and the command sequence as `  commands:` with one command per line.
    """
    config, commands, current = [], [], None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("    ") and current is not None:
            current.append(line.strip())
            continue
        head, _, rest = line.strip().partition(":")
        if head == "commands":
            current = commands
            if rest.strip():
                commands.append(rest.strip())
        else:
            current = config
            config.append(line.strip())
    return {"config": config, "commands": commands}


# ---------------------------------------------------------------- the attention list

def headline(evidence):
    """The evidence line that says what went wrong: the first one, unless that is a case's
    configuration (L2 evidence starts with one), clipped to HEADLINE_MAX characters."""
    lines = [line for line in evidence.splitlines() if line.strip()] or [""]
    line = lines[1] if len(lines) > 1 and _CONFIG_LINE.match(lines[0]) else lines[0]
    return line if len(line) <= HEADLINE_MAX else line[:HEADLINE_MAX - 1] + "…"


def _evidence_view(verdict, runs, races_by_row, run_rows):
    """What draws a row's evidence: a trace, a counterexample or races (each may be absent)."""
    view = {"trace": None, "counterexample": None, "races": []}
    failure = None
    if verdict["property"].startswith("L1"):
        failure = parse_l1_failure(verdict["evidence"])
    if failure:
        view["trace"] = l1_trace(failure, runs, verdict["handler"], run_rows)
    if verdict.get("counterexample"):
        view["counterexample"] = parse_counterexample(verdict["counterexample"])
    view["races"] = races_by_row.get((verdict["handler"], verdict["property"]), [])
    return view


def _race_key(race):
    """(handler, row id) a race entry belongs to: its `row`, else the L3 row of its scenario."""
    return race["race"]["handler"], race["race"].get("row") or f"L3.race.{race['race']['scenario']}"


def attention_view(cert, runs, race_views, run_rows):
    """Every failing, erroring or finding row in attention order, with its evidence drawn."""
    if cert is None:
        return []
    races_by_row = {}
    for race in race_views or []:
        races_by_row.setdefault(_race_key(race), []).append(race)
    titles = {p["id"]: p for p in cert["properties"]}
    notable = [v for v in cert["verdicts"] if v["verdict"] in _ATTENTION_ORDER]
    notable.sort(key=lambda v: _ATTENTION_ORDER[v["verdict"]])
    items = []
    for n, verdict in enumerate(notable, start=1):
        evidence = verdict["evidence"]
        prop = titles[verdict["property"]]
        items.append({"id": f"att-{n}", "verdict": verdict["verdict"],
                      "handler": verdict["handler"],
                      "property": verdict["property"], "title": prop["title"],
                      "level": prop["level"], "headline": headline(evidence),
                      "evidence": evidence, "replay": verdict["replay"],
                      "view": _evidence_view(verdict, runs, races_by_row, run_rows)})
    return items


def anchors(items):
    """{(handler, property): attention id}, so that matrix cells link to their evidence."""
    return {(i["handler"], i["property"]): i["id"] for i in items}
