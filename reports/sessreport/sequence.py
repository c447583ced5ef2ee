"""The inline-SVG sequence diagram of one run: lanes Browser / Engine / Handler / Store.

Drawing rules (after the lesson's mermaid diagram):
  request   Browser -> Engine, labelled with the incoming cookie
  script    a note over the Engine lifeline: the PHP call and its result
  handler   Engine -> Handler with the call, Handler -> Store for methods that touch stored data,
            then the result back Handler -> Engine (dashed)
  response  Engine -> Browser (dashed) with the Set-Cookie list

The size stays bounded: labels are clipped to the space between their lanes (full text in a <title>
tooltip) and at most `max_events` events are drawn; the tables show everything.
Styling lives in the page CSS (classes below), so the SVG itself stays small.
"""

from html import escape

from markupsafe import Markup

from . import values

LANES = ("Browser", "Engine", "Handler", "Store")
# Lane positions: the Engine-Handler gap is widest because handler calls carry the longest labels
# (id + data); Browser-Engine must fit "Set-Cookie: <26-char id>".
X = {"Browser": 60, "Engine": 380, "Handler": 730, "Store": 980}
WIDTH = 1040
TOP = 48          # below the lane header boxes
ROW = 22          # one arrow or note per row
CHAR_W = 6.7      # advance of an 11px monospace glyph (DejaVu Sans Mono), to budget label lengths
DEFAULT_MAX_EVENTS = 300

# Handler methods that reach the store (the others only manage the handler's own state).
STORE_METHODS = frozenset(("read", "write", "destroy", "gc", "updateTimestamp", "validateId", "create_sid"))


def _budget(x1, x2):
    """How many label characters fit between two lanes."""
    return max(int((abs(x2 - x1) - 24) / CHAR_W), 8)


def _text(x, y, label, limit, cls, anchor="middle"):
    """A <text> clipped to `limit` characters; a clipped label carries its full text as a tooltip."""
    shown, full = values.clip_plain(label, limit)
    title = f"<title>{escape(full)}</title>" if full else ""
    return (f'<text x="{x:.0f}" y="{y}" class="{cls}" text-anchor="{anchor}">'
            f"{title}{escape(shown)}</text>")


class _Canvas:
    """Accumulates SVG elements row by row."""

    def __init__(self):
        self.parts = []
        self.y = TOP

    def arrow(self, src, dst, label, cls, dashed=False):
        """A horizontal arrow between two lanes with its label above the line."""
        x1, x2 = X[src], X[dst]
        line_y = self.y + 15
        tip = -1 if x2 > x1 else 1
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        self.parts.append(
            f'<line x1="{x1}" y1="{line_y}" x2="{x2 + 7 * tip}" y2="{line_y}" class="arrow {cls}"{dash}/>'
            f'<polygon points="{x2},{line_y} {x2 + 8 * tip},{line_y - 4} {x2 + 8 * tip},{line_y + 4}" '
            f'class="head {cls}"/>'
            + _text((x1 + x2) / 2, line_y - 4, label, _budget(x1, x2), f"label {cls}"))
        self.y += ROW

    def note(self, lane, label, cls):
        """A note box over one lane's lifeline (script calls on the Engine)."""
        half = min(X["Engine"] - X["Browser"], X["Handler"] - X["Engine"]) - 14
        limit = int((2 * half - 16) / CHAR_W)
        shown_len = min(len(label), limit)
        w = shown_len * CHAR_W + 16
        x = X[lane] - w / 2
        self.parts.append(
            f'<rect x="{x:.0f}" y="{self.y + 3}" width="{w:.0f}" height="{ROW - 5}" rx="3" class="note {cls}"/>'
            + _text(X[lane], self.y + 15, label, limit, f"label {cls}"))
        self.y += ROW

    def separator(self, label):
        """A light rule across all lanes that starts a new request."""
        self.parts.append(f'<line x1="8" y1="{self.y + 4}" x2="{WIDTH - 8}" y2="{self.y + 4}" class="sep"/>'
                          f'<text x="{X["Browser"] + 6}" y="{self.y + 16}" class="sep-label">{escape(label)}</text>')
        self.y += ROW

    def group(self, event, draw):
        """Wrap the elements drawn by `draw()` in a <g> carrying the event's request and method."""
        start = len(self.parts)
        draw()
        body = "".join(self.parts[start:])
        del self.parts[start:]
        method = f' data-method="{escape(event["name"])}"' if event["kind"] == "handler" else ""
        self.parts.append(f'<g class="ev k-{event["kind"]}" data-request="{event["request"]}"{method}>'
                          f'{body}</g>')


def _store_label(event):
    """What the Handler asks of the Store, compactly: `read k1`, `write k1 (14 B)`, `gc 1440 s`."""
    name, args = event["name"], event["args"]
    if name == "gc":
        return f"gc {args[0] if args else '?'} s"
    if name == "create_sid":
        return "create_sid (new id)"
    label = f"{name} {args[0] if args else ''}"
    if name in ("write", "updateTimestamp") and len(args) > 1 and isinstance(args[1], str):
        label += f" ({len(args[1])} B)"
    return label


def _draw_request(canvas, event):
    lane = f" [{event['lane']}]" if "lane" in event else ""
    canvas.separator(f"request {event['request']}{lane}")
    cookie = event["args"][0]
    canvas.arrow("Browser", "Engine", f"Cookie: {cookie}" if cookie else "no cookie", "req")


def _draw_script(canvas, event):
    text = values.script_call(event)
    res, res_cls = values.result(event)
    if not values.is_silent(event):
        text += f" → {res}"
    cls = "script"
    if event["diagnostics"]:
        cls += " warn"
        text = "⚠ " + text
    if res_cls == "err":
        cls += " err"
    canvas.note("Engine", text, cls)


def _draw_handler(canvas, event):
    res, res_cls = values.result(event)
    canvas.arrow("Engine", "Handler", values.call(event), "call")
    if event["name"] in STORE_METHODS:
        canvas.arrow("Handler", "Store", _store_label(event), "store")
    canvas.arrow("Handler", "Engine", res, "ret " + res_cls, dashed=True)


def _draw_response(canvas, event):
    cookies = event["set_cookie"]
    label = "Set-Cookie: " + ", ".join(cookies) if cookies else "no Set-Cookie"
    canvas.arrow("Engine", "Browser", label, "resp", dashed=True)


def _frame(height, body, aria):
    """Lane header boxes and lifelines around the drawn rows."""
    head = []
    for lane in LANES:
        x = X[lane]
        head.append(f'<rect x="{x - 50}" y="8" width="100" height="26" rx="4" class="lane-box"/>'
                    f'<text x="{x}" y="26" text-anchor="middle" class="lane-name">{lane}</text>'
                    f'<line x1="{x}" y1="34" x2="{x}" y2="{height - 6}" class="lifeline"/>')
    return Markup(f'<svg class="sequence" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
                  f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
                  f'aria-label="{escape(aria)}">\n' + "\n".join(head) + "\n" + body + "\n</svg>")


def diagram(run, max_events=DEFAULT_MAX_EVENTS):
    """Return (svg Markup, number of events left undrawn) for a run."""
    canvas = _Canvas()
    drawn = run.events[:max_events]
    for event in drawn:
        kind = event["kind"]
        if kind == "request":
            canvas.group(event, lambda: _draw_request(canvas, event))
        elif kind == "script":
            canvas.group(event, lambda: _draw_script(canvas, event))
        elif kind == "handler":
            canvas.group(event, lambda: _draw_handler(canvas, event))
        elif kind == "response":
            canvas.group(event, lambda: _draw_response(canvas, event))
    left = len(run.events) - len(drawn)
    if left:
        canvas.parts.append(f'<text x="{WIDTH / 2:.0f}" y="{canvas.y + 16}" text-anchor="middle" '
                            f'class="more">… {left} more events not drawn (the table above lists them all)</text>')
        canvas.y += ROW
    aria = f"sequence diagram of {run.scenario} on {run.engine} with handler {run.handler}"
    # One event group per line keeps the golden files reviewable and their diffs small.
    return _frame(canvas.y + 12, "\n".join(canvas.parts), aria), left
