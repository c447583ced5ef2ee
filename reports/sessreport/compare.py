"""Align runs of one scenario event by event and find the first divergence.

Rows are aligned by (request, step, n) where n is the event's position inside its (request, step)
group: the script event comes first, then its handler calls.  So when one engine makes an extra
handler call, only that step's rows shift and the rest of the scenario stays aligned.

Session ids are random per run (real PHP, different engines), so by default every id is replaced by
its order of first appearance (`<id1>`, `<id2>`, ...) before events are compared; otherwise the
first create_sid would always be "the first divergence".  `raw_ids=True` compares ids literally.
"""

import json

# Handler methods whose first argument is a session id.
_ID_FIRST_ARG = frozenset(("read", "write", "destroy", "validateId", "updateTimestamp"))
# Script functions whose string result / argument is a session id.
_ID_SCRIPT = frozenset(("session_id", "session_create_id"))


def _ids_of(event):
    """The session ids an event mentions, in a fixed order."""
    kind, name, args = event["kind"], event["name"], event["args"]
    ids = []
    if kind == "request":
        ids.append(args[0])
    elif kind == "handler":
        if name in _ID_FIRST_ARG and args:
            ids.append(args[0])
        if name == "create_sid":
            ids.append(event["result"])
    elif kind == "script":
        if name in _ID_SCRIPT:
            ids.extend(args)
            ids.append(event["result"])
        ids.append(event["id"])
    elif kind == "response":
        ids.extend(event["set_cookie"])
        ids.append(event["id"])
    return [i for i in ids if isinstance(i, str) and i]


def id_aliases(run):
    """{session id: '<idN>'} numbered by first appearance in the run."""
    aliases = {}
    for event in run.events:
        for sid in _ids_of(event):
            if sid not in aliases:
                aliases[sid] = f"<id{len(aliases) + 1}>"
    return aliases


def _substitute(value, aliases):
    """Replace every string equal to a known session id by its alias, recursively."""
    if isinstance(value, str):
        return aliases.get(value, value)
    if isinstance(value, list):
        return [_substitute(v, aliases) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, aliases) for k, v in value.items()}
    return value


# What is compared per kind: the observable behaviour, not bookkeeping like seq.
_COMPARED = {
    "request": ("kind", "name", "args"),
    "script": ("kind", "name", "args", "result", "status", "id", "session", "diagnostics"),
    "handler": ("kind", "name", "args", "result"),
    "response": ("kind", "set_cookie", "status", "id", "session"),
}


def signature(event, aliases):
    """Canonical string of the compared fields of an event (None for a missing event)."""
    if event is None:
        return None
    picked = {f: event.get(f) for f in _COMPARED.get(event["kind"], ("kind", "name", "args", "result"))}
    return json.dumps(_substitute(picked, aliases), sort_keys=True)


def _keyed(run):
    """{(request, step, n): event} for a run's events."""
    seen = {}
    keyed = {}
    for event in run.events:
        group = (event["request"], event["step"])
        n = seen.get(group, 0)
        seen[group] = n + 1
        keyed[group + (n,)] = event
    return keyed


class Row:
    """One aligned row: the key and, per run, its event (or None) and whether it differs from column 0."""

    __slots__ = ("key", "events", "differs", "cell_differs")

    def __init__(self, key, events, sigs):
        self.key = key
        self.events = events
        base = sigs[0]
        self.cell_differs = [sig != base for sig in sigs]
        self.differs = any(self.cell_differs)


class Comparison:
    """Runs aligned side by side; `first` is the index of the first differing row (or None)."""

    def __init__(self, runs, rows):
        self.runs = runs
        self.rows = rows
        self.first = next((i for i, row in enumerate(rows) if row.differs), None)
        self.n_differs = sum(1 for row in rows if row.differs)

    @property
    def first_row(self):
        """The first differing row, or None when the runs agree."""
        return None if self.first is None else self.rows[self.first]


def compare(runs, raw_ids=False):
    """Align `runs` (the first is the reference column) and mark differing rows."""
    keyed = [_keyed(run) for run in runs]
    aliases = [{} if raw_ids else id_aliases(run) for run in runs]
    keys = sorted(set().union(*keyed))
    rows = []
    for key in keys:
        events = [k.get(key) for k in keyed]
        sigs = [signature(e, a) for e, a in zip(events, aliases)]
        rows.append(Row(key, events, sigs))
    return Comparison(runs, rows)
