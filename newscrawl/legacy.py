"""The 2004–2005 article layout (T0), before the `blkContainer` template: a table layout
in GB2312 without `<h1>`, metas or `#artibody`.

The headline is a table cell (`th.f24`, `td.title14`), the dateline the row after it
(`http://house.sina.com.cn 2005年03月31日03:18 <font>媒体</font>`), the text in a
`font#zoom` or a `td.l17` cell, and the document id only in the CMS stamp comment
`<!--[62,3,68306] published at … -->` (see newscrawl.sina). These are looked up only on
a page where no later template's headline is found.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from newscrawl.css import PageIndex

HEADLINE_CSS = ("th.f24", "td.title14", ".f24")
BODY_ID = "#zoom"
BODY_CELL_CSS = "td.l17"
DATELINE_ROWS = 3  # the rows after the headline's where its dateline may be
DATELINE_MAX_CHARS = 120

_STRING = etree.XPath("string()")


def headline(index: PageIndex) -> etree._Element | None:
    """The headline cell: the first of HEADLINE_CSS whose text is the page's `<title>` up
    to its first `_` (`标题_新浪房产_新浪网`), so that the same classes on a sidebar
    heading are never taken for it."""
    titles = index.elements("title")
    wanted = _collapse(_STRING(titles[0]).split("_", 1)[0]) if titles else ""
    if not wanted:
        return None
    for query in HEADLINE_CSS:
        for element in index.find(query):
            if _collapse(_STRING(element)) == wanted:
                return element
    return None


def dateline_texts(headline: etree._Element) -> Iterator[str]:
    """The texts of the few rows (or elements) after the headline's that are short enough
    to be its dateline (not the article's text, which can follow the headline's row)."""
    row = next(headline.iterancestors("tr"), headline)
    for count, following in enumerate(row.itersiblings(etree.Element)):
        if count == DATELINE_ROWS:
            return
        text = _collapse(_STRING(following))
        if len(text) <= DATELINE_MAX_CHARS:
            yield text


def body(index: PageIndex) -> etree._Element | None:
    """The article text: of the `#zoom` elements and the `td.l17` cells, the one with the
    most paragraphs of its own. (libxml2 closes a `<font id=zoom>` at a `<center>`: the
    text then follows the empty font in its cell.)"""
    best, most = None, 0
    for element in (*index.find(BODY_ID), *index.find(BODY_CELL_CSS)):
        count = sum(1 for child in element if child.tag == "p")
        if count > most:
            best, most = element, count
    return best


def _collapse(text: str) -> str:
    return " ".join(text.split())
