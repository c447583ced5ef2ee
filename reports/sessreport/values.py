"""Display formatting of trace values: PHP-like literals, byte strings and clipping with tooltips.

Values are shown the way the gist shows them (`read('f57c…')`, `'foo|s:3:"bar";'`) because that
is how PHP developers read handler calls.  Events marked `"bin": true` carry byte strings where each
code point < 256 is one byte; they are decoded as UTF-8 where possible and invalid bytes are shown as
`\\xNN`, so the display never lies about the bytes.
"""

from markupsafe import Markup, escape

_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def _bytes_view(text):
    """Reinterpret a `bin` string as bytes and decode them; invalid bytes become lone surrogates."""
    if any(ord(c) > 0xFF for c in text):
        return text  # not a byte string after all: keep the text as written
    return text.encode("latin-1").decode("utf-8", errors="surrogateescape")


def _escape_char(c):
    """Escape one character for a single-quoted literal (controls and undecodable bytes made visible)."""
    if c in ("\\", "'"):
        return "\\" + c
    if c in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[c]
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:      # surrogateescape'd byte that was not valid UTF-8
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    return c


def quote(text, binary=False):
    """PHP single-quoted string literal of `text`."""
    if binary:
        text = _bytes_view(text)
    return "'" + "".join(_escape_char(c) for c in text) + "'"


def literal(value, binary=False):
    """PHP-like literal of a JSON value: 'str', 42, true, null, [1, 2], ['k' => v]."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote(value, binary)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, binary) for v in value) + "]"
    if isinstance(value, dict):
        return "[" + ", ".join(f"{quote(k, binary)} => {literal(v, binary)}" for k, v in value.items()) + "]"
    return str(value)


def _key(value, binary):
    """A $_SESSION key: integers bare, everything else quoted."""
    return literal(value, binary)


def script_call(event):
    """The script call as PHP source, e.g. `$_SESSION['foo'] = 'bar'` or `session_start()`."""
    name, args, binary = event["name"], event["args"], event.get("bin", False)
    key = _key(args[0], binary) if args else "?"
    rest = ", ".join(literal(a, binary) for a in args[1:])
    if name == "set":
        return f"$_SESSION[{key}] = {rest}"
    if name == "push":
        return f"$_SESSION[{key}][] = {rest}"
    if name == "unset":
        return f"unset($_SESSION[{key}])"
    if name == "incr":
        return f"$_SESSION[{key}] = ($_SESSION[{key}] ?? 0) + 1"
    if name == "get":
        return f"$_SESSION[{key}] ?? null"
    if name == "advance":
        return f"// clock +{args[0] if args else '?'} s"
    return call(event)


# $_SESSION writes and clock moves return nothing worth showing.
_SILENT = frozenset(("set", "unset", "incr", "push", "advance"))


def is_silent(event):
    """True for a script call whose (null) result is noise: `$_SESSION['a'] = 1` has no result."""
    return event["name"] in _SILENT and event["result"] is None


def call(event):
    """`name(arg, arg)` with PHP-like arguments."""
    binary = event.get("bin", False)
    return f"{event['name']}(" + ", ".join(literal(a, binary) for a in event["args"]) + ")"


def result(event):
    """(text, css class) for an event's result: `true`, `'data'`, `error: reason`, ..."""
    value, binary = event["result"], event.get("bin", False)
    if isinstance(value, dict) and len(value) == 1 and "error" in value:
        prefix = "threw" if event["kind"] == "script" else "error"
        return f"{prefix}: {value['error']}", "err"
    if isinstance(value, dict) and len(value) == 1 and "exception" in value:
        return f"exception: {value['exception']}", "err"
    if value is False:
        return "false", "false"
    return literal(value, binary), "ok"


def clip(text, limit):
    """HTML for `text` cut to `limit` characters with an ellipsis; the full text goes into a tooltip."""
    if len(text) <= limit:
        return escape(text)
    return Markup('<span class="clip" title="{}">{}…</span>').format(text, text[:limit])


def clip_plain(text, limit):
    """(shown, full or None): `text` cut to `limit` characters for places that build their own markup."""
    if len(text) <= limit:
        return text, None
    return text[:max(limit - 1, 1)] + "…", text
