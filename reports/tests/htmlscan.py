"""Tiny HTML scanner (html.parser) so tests can look for elements by tag, class and attributes."""

from html.parser import HTMLParser


class Element:
    """A start tag seen in the document: tag name, attributes, class set."""

    def __init__(self, tag, attrs, start=None):
        self.tag = tag
        self.start = start      # offset of the start tag's "<" in the document
        self.attrs = dict(attrs)
        self.classes = set((self.attrs.get("class") or "").split())

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"


class _Collector(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        # getpos() gives (line, column); these turn it into an offset into the document.
        self.line_starts = [0]
        for n, char in enumerate(html):
            if char == "\n":
                self.line_starts.append(n + 1)

    def handle_starttag(self, tag, attrs):
        line, column = self.getpos()
        self.elements.append(Element(tag, attrs, self.line_starts[line - 1] + column))

    handle_startendtag = handle_starttag


def elements(html):
    """Every start tag of `html`, in document order."""
    collector = _Collector(html)
    collector.feed(html)
    return collector.elements


def find(html_or_elements, tag=None, cls=None, **attrs):
    """Elements matching a tag, a class and attribute values (attribute names use _ for -)."""
    items = elements(html_or_elements) if isinstance(html_or_elements, str) else html_or_elements
    wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
    return [e for e in items
            if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
            and all(e.attrs.get(k) == v for k, v in wanted.items())]
