"""Render the report context into one self-contained HTML string (CSS and JS inlined)."""

import os

import jinja2
from markupsafe import Markup

from . import views

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def _asset(name):
    """Read a static asset to inline; it is trusted project text, so it is not escaped."""
    with open(os.path.join(_TEMPLATES, name), encoding="utf-8") as handle:
        return Markup(handle.read().strip())


def environment():
    """Jinja2 environment: autoescaping on (traces hold arbitrary strings), strict undefined names."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def render(runs, *, cert=None, mutants=None, races=None, title, inputs, options):
    """Build the view models and render the page; returns the HTML text."""
    context = views.build(runs, cert, mutants, races, title=title, inputs=inputs, options=options)
    template = environment().get_template("report.html.j2")
    return template.render(css=_asset("report.css"), js=_asset("report.js"), **context)
