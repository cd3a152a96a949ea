"""Template hygiene: a {# comment #} must close on its own line; Django shows an unclosed one
to the reader as text (the serial check once showed its legend's comment)."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_no_single_line_comment_spans_lines():
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.*")
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []


def test_page_titles_are_plain_text():
    """A tab's title is words: markup in a title block (the inspector's feed card once landed there)
    is shown raw in the browser's tab and history."""
    import re

    block = re.compile(r"{% block title %}(.*?){% endblock", re.S)
    marked_up = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        for title in block.findall(path.read_text())
        if "<" in title
    ]
    assert marked_up == []
