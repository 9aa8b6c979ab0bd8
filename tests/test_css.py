"""newscrawl.css matches what cssselect's XPath translation matches, in the same order."""

from __future__ import annotations

from pathlib import Path

import pytest
from cssselect import HTMLTranslator
from lxml import etree

from newscrawl.clean import NOISE_SELECTORS
from newscrawl.css import PageIndex, SelectorSet, compile_selector, select
from newscrawl.sina import BODY_CSS, EDITOR_CSS, SOURCE_CSS, TITLE_CSS, VISIBLE_DATE_CSS

PAGES = Path(__file__).parent / "fixtures" / "pages"
PROJECT_SELECTORS = sorted(
    set(TITLE_CSS + BODY_CSS + VISIBLE_DATE_CSS + SOURCE_CSS + EDITOR_CSS + NOISE_SELECTORS)
)

# Structures that trip naive matchers: ids shadowed by <a name>, duplicate ids, class
# words split by tabs and newlines, prefixes of class words, nesting, child combinators.
TRICKY = b"""<html><head><meta charset="utf-8"><title>t</title>
<style>.date-source { color: red }</style></head><body>
<a name="artibody"></a>
<div class="main-content"><h1 class="main-title">Title</h1>
 <div class="date-source"><span class="date">2021-10-20 12:00</span>
  <div class="date-source"><a class="source\tent-source" href="/x">Inner</a></div>
  <span class="sources">not a source</span></div>
 <div id="artibody" class="article" data-sudaclick="blk_content">
  <p class="article-editor">A</p><div id="artibody"><p>dup</p></div>
  <div class="appendQr_wrap x"><img src="a.png"></div>
  <div class="ad-box ad"><span id="quote_sh600000">1.0</span></div>
  <ins class="sinaads" data-ad-pdps="PDPS1"></ins>
  <section data-sudaclick="x"><p>s</p></section>
  <div id="ad_1" class="tool-bar">t</div>
 </div></div>
<div class="article-header"><h1>Header</h1></div>
<ul class="list"><li><span class="date">2020-01-01 00:00</span></li></ul>
<p class="show_author">B</p>
</body></html>"""


def pages() -> list[tuple[str, bytes]]:
    found = [("tricky", TRICKY)]
    for page in sorted(PAGES.glob("*.html")):
        if page.stat().st_size:  # (an empty body has no tree)
            found.append((page.name, page.read_bytes()))
    return found


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.HTMLParser(recover=True, huge_tree=True))


def by_xpath(root: etree._Element, css: str) -> list[etree._Element]:
    return root.xpath(HTMLTranslator().css_to_xpath(css))


@pytest.mark.parametrize(("name", "data"), pages(), ids=[name for name, _ in pages()])
def test_page_index_finds_what_xpath_finds_in_document_order(name, data):
    root = parse(data)
    with_bytes = PageIndex(root, data, tags=("meta", "h1", "p"))
    without_bytes = PageIndex(root)
    for css in PROJECT_SELECTORS:
        expected = by_xpath(root, css)
        assert list(with_bytes.find(css)) == expected, css
        assert list(without_bytes.find(css)) == expected, css


@pytest.mark.parametrize(("name", "data"), pages(), ids=[name for name, _ in pages()])
def test_selector_set_selects_what_the_union_of_xpaths_selects(name, data):
    root = parse(data)
    selectors = SelectorSet(compile_selector(css) for css in NOISE_SELECTORS)
    union = {element for css in NOISE_SELECTORS for element in by_xpath(root, css)}
    assert set(select(root, selectors)) == union
    assert select(root, selectors) == [e for e in root.iter(etree.Element) if e in union]


def test_the_id_table_is_not_fooled_by_anchors_or_duplicates():
    root = parse(TRICKY)
    found = list(PageIndex(root, TRICKY).find("#artibody"))
    assert [e.tag for e in found] == ["div", "div"]  # not the <a name>; both divs, in order
    assert found[0].get("class") == "article"


def test_class_words_and_combinators():
    root = parse(TRICKY)
    index = PageIndex(root, TRICKY)
    assert [e.text for e in index.find(".date-source .source")] == ["Inner"]
    assert [e.text for e in index.find(".date-source > .date")] == ["2021-10-20 12:00"]
    assert [e.text for e in index.find("span.date")] == ["2021-10-20 12:00", "2020-01-01 00:00"]
    assert list(index.find(".missing-class")) == []


@pytest.mark.parametrize(
    "css", ["a:first-child", "p ~ p", "p + p", "svg|rect", "p::text", "[class*=x i]"]
)
def test_selectors_outside_the_subset_fall_back_to_xpath(css):
    assert compile_selector(css) is None
    root = parse(TRICKY)
    if css not in ("svg|rect", "p::text", "[class*=x i]"):  # not translatable either
        assert list(PageIndex(root, TRICKY).find(css)) == by_xpath(root, css)
