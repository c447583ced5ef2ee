"""Read and validate trace JSON lines (docs/trace-format.md, schema version 1) into Run objects.

A trace file holds one or more scenarios one after another; each starts with a `run` event and every
following event belongs to it until the next `run` event.  Validation is strict about what the
format documents (the report must not silently draw a wrong picture of a broken trace) and lenient
about what it does not: unknown fields are ignored, as the format requires.
"""

import json
import os

from .errors import ReportError

SCHEMA_VERSION = 1
KINDS = ("run", "request", "script", "handler", "response", "fault")
HANDLER_METHODS = ("open", "close", "read", "write", "destroy", "gc", "create_sid",
                   "validateId", "updateTimestamp")

# Fields every event carries, with the check their value must pass (None: any JSON value).
_COMMON = (("v", "int"), ("scenario", "str"), ("request", "int"), ("seq", "int"),
           ("step", "int"), ("kind", "str"), ("name", "str"), ("args", "list"),
           ("result", None))

# Fields only some kinds carry.
_BY_KIND = {
    "run": (("engine", "str"), ("handler", "str"), ("variant", "str"), ("ini", "dict"),
            ("seed", "int")),
    "request": (),
    "script": (("diagnostics", "list"), ("status", "str"), ("id", "str?"),
               ("session", "str?")),
    "handler": (),
    "response": (("set_cookie", "list"), ("status", "str"), ("id", "str?"),
                 ("session", "str?")),
    # A fault `explore --faults` injected (docs/trace-format.md, "Schedules and faults").
    "fault": (("point", "int"), ("at", "str"), ("now", "int")),
}

_TYPE_NAMES = {"int": "an integer", "str": "a string", "list": "an array", "dict": "an object",
               "str?": "a string or null"}


def _has_type(value, check):
    """True when `value` passes `check` (one of the keys of _TYPE_NAMES)."""
    if check == "int":
        # bool is a subclass of int in Python, but `true` is not a JSON integer.
        return isinstance(value, int) and not isinstance(value, bool)
    if check == "str":
        return isinstance(value, str)
    if check == "str?":
        return value is None or isinstance(value, str)
    if check == "list":
        return isinstance(value, list)
    if check == "dict":
        return isinstance(value, dict)
    return True


def _check_fields(event, fields):
    """Return a message for the first missing or ill-typed field of `fields`, else None."""
    for name, check in fields:
        if name not in event:
            return f'missing field "{name}"'
        if check is not None and not _has_type(event[name], check):
            return f'field "{name}" must be {_TYPE_NAMES[check]}, got {json.dumps(event[name])[:60]}'
    return None


def _check_kind_details(event):
    """Kind-specific rules beyond field presence; returns a message or None."""
    kind = event["kind"]
    if kind == "run" and event["request"] != 0:
        return f'a run event must have "request": 0, got {event["request"]}'
    if kind != "run" and event["request"] < 1:
        return f'"request" must be >= 1 for a {kind} event, got {event["request"]}'
    if kind == "request":
        args = event["args"]
        if len(args) != 1 or not (args[0] is None or isinstance(args[0], str)):
            return 'a request event needs "args": [cookie] with cookie a string or null'
    if kind == "script":
        for i, diag in enumerate(event["diagnostics"]):
            if not (isinstance(diag, dict) and isinstance(diag.get("level"), str)
                    and isinstance(diag.get("message"), str)):
                return f'diagnostics[{i}] must be {{"level": ..., "message": ...}}'
    if kind == "response":
        if not all(isinstance(c, str) for c in event["set_cookie"]):
            return '"set_cookie" must be an array of strings'
    return None


def validate_event(event):
    """Return a one-line description of what is wrong with one decoded event, or None if it is valid."""
    if not isinstance(event, dict):
        return f"expected a JSON object, got {type(event).__name__}"
    if "v" not in event:
        return 'missing field "v" (schema version)'
    if event["v"] != SCHEMA_VERSION or isinstance(event["v"], bool):
        return f"unsupported schema version v={json.dumps(event['v'])} (this reader knows v={SCHEMA_VERSION})"
    problem = _check_fields(event, _COMMON)
    if problem:
        return problem
    if event["kind"] not in KINDS:
        return f'unknown kind "{event["kind"]}" (expected one of {", ".join(KINDS)})'
    for name in ("request", "seq", "step"):
        if event[name] < 0:
            return f'"{name}" must not be negative, got {event[name]}'
    return _check_fields(event, _BY_KIND[event["kind"]]) or _check_kind_details(event)


class Run:
    """One scenario execution: the `run` event's header plus every event up to the next `run`."""

    def __init__(self, header, source):
        self.header = header
        self.source = source            # the file (or races.json entry) it was read from
        self.events = []                # events after the run event, in trace order
        self.index = None               # position among all runs of the report (set by the caller)

    scenario = property(lambda self: self.header["scenario"])
    engine = property(lambda self: self.header["engine"])
    handler = property(lambda self: self.header["handler"])
    variant = property(lambda self: self.header["variant"])

    @property
    def is_model(self):
        """True when this run used the reference model handler (URI `model` or `model:...`)."""
        return self.handler == "model" or self.handler.startswith("model:")

    def label(self):
        """Short human-readable name: engine · handler."""
        return f"{self.engine} · {self.handler}"


class _RunCollector:
    """Feeds validated events into Run objects, enforcing the ordering rules of the format."""

    def __init__(self, source):
        self.source = source
        self.runs = []
        self.last_seq = None

    def add(self, where, event):
        """Validate one decoded event found at `where` (e.g. `t.jsonl:12`) and attach it to its run."""
        problem = validate_event(event)
        if problem:
            raise ReportError(where, problem)
        event["_at"] = where
        if event["kind"] == "run":
            self.runs.append(Run(event, self.source))
            self.last_seq = event["seq"]
            return
        if not self.runs:
            raise ReportError(where, f'a {event["kind"]} event before any run event '
                                     '(every scenario starts with a "kind": "run" line)')
        run = self.runs[-1]
        if event["scenario"] != run.scenario:
            raise ReportError(where, f'scenario "{event["scenario"]}" inside the run of scenario '
                                     f'"{run.scenario}" (a new scenario needs its own run event)')
        if event["seq"] <= self.last_seq:
            raise ReportError(where, f'"seq" {event["seq"]} is not greater than the previous {self.last_seq}')
        self.last_seq = event["seq"]
        run.events.append(event)


def _decoded_lines(path):
    """Yield (line_number, decoded JSON) for each non-blank line of a trace file."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise ReportError(path, "no such file") from None
    except OSError as exc:
        raise ReportError(path, f"cannot read: {exc.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ReportError(f"{path}:{number}", "not UTF-8 (bytes >= 0x80 must be written "
                                                      "as \\u00XX escapes with \"bin\": true)") from None
            if not text.strip():
                continue  # a trailing or separating blank line carries no event
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as exc:
                raise ReportError(f"{path}:{number}", f"malformed JSON: {exc.msg} (column {exc.colno})") from None


def load_trace_file(path):
    """Read one trace file and return its runs; raises ReportError on the first problem."""
    collector = _RunCollector(os.path.basename(path))
    for number, event in _decoded_lines(path):
        collector.add(f"{path}:{number}", event)
    if not collector.runs:
        raise ReportError(path, "no events (a trace starts with a run event)")
    return collector.runs


def load_inline_events(where, events, source):
    """Validate a list of already decoded events (e.g. inline in races.json) and return their runs."""
    collector = _RunCollector(source)
    for i, event in enumerate(events):
        collector.add(f"{where}[{i}]", event)
    if not collector.runs:
        raise ReportError(where, "no events (a trace starts with a run event)")
    return collector.runs


def load_traces(paths):
    """Read every trace file in order; number the runs so that the HTML can give them stable ids."""
    runs = []
    for path in paths:
        runs.extend(load_trace_file(path))
    for index, run in enumerate(runs, start=1):
        run.index = index
    return runs
