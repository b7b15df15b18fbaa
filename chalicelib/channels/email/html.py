"""HTML in email: sanitising it for the agent's screen and rendering it as readable plain text."""
from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "div", "em", "font", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strike", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "center", "dl", "dt", "dd",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "table": {"border", "cellpadding", "cellspacing", "width"},
    "font": {"color"},
    "blockquote": {"type", "cite"},
    "ol": {"start", "type"},
}
_URL_SCHEMES = {"http", "https", "mailto", "cid", "tel"}


def sanitize_html(markup: str) -> str:
    """Keep basic formatting, links and images (cid: included); drop scripts, styles, handlers, javascript: URLs."""
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        clean_content_tags={"script", "style", "title", "head", "noscript", "template", "xml"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def text_to_html(text: str) -> str:
    """Plain text as safe HTML: escaped, paragraphs kept, line breaks as <br>."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs if p)


_BLOCK_TAGS = {
    "address", "article", "aside", "center", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul", "blockquote",
}
_SKIPPED_TAGS = {"script", "style", "head", "title", "noscript", "template", "xml"}
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}


class _TextRenderer(HTMLParser):
    """Collects text: blocks become line breaks, blockquotes become '> ' lines, links keep their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (quote depth, text)
        self._current: list[str] = []
        self._quote_depth = 0
        self._skip_depth = 0
        self._pre_depth = 0

    def _break(self, always: bool = False) -> None:
        text = "".join(self._current)
        if not always and not text.strip():
            return
        self._current = []
        if self._pre_depth:
            for line in text.split("\n"):
                self.lines.append((self._quote_depth, line.rstrip()))
            return
        self.lines.append((self._quote_depth, re.sub(r"[ \t\r\n\f\u200b]+", " ", text).strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            if tag not in _VOID_TAGS:
                self._skip_depth += 1
            return
        if tag == "br":
            self._break(always=True)
        elif tag in _BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self._quote_depth += 1
            elif tag == "pre":
                self._pre_depth += 1
            elif tag == "li":
                self._current.append("- ")
        elif tag in ("td", "th"):
            self._current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._current.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag in _BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self._quote_depth = max(0, self._quote_depth - 1)
            elif tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._current.append(data.replace("\xa0", " "))

    def render(self) -> str:
        self._break(always=True)
        out: list[str] = []
        for depth, text in self.lines:
            line = ("> " * depth + text).rstrip() if depth else text
            if not line.strip(" >"):
                line = ">" * depth if depth else ""
                if out and out[-1] == line:
                    continue
            out.append(line)
        rendered = "\n".join(out)
        return re.sub(r"\n{3,}", "\n\n", rendered).strip()


def html_to_text(markup: str) -> str:
    """Render HTML as readable text: block elements on their own lines, quotes as '> ', whitespace collapsed."""
    renderer = _TextRenderer()
    try:
        renderer.feed(markup)
        renderer.close()
    except (AssertionError, ValueError):  # pathological markup: keep what was collected so far
        pass
    return renderer.render()
