"""CSS selectors matched in Python, for the simple selectors this project keeps as data.

libxml2 evaluates an XPath predicate with a fresh string for every attribute it reads: a
class selector translated to XPath costs a few hundred nanoseconds per element and term,
and the whole-page look-ups of a parse or the long list of noise selectors add up to
milliseconds a page. The selectors here (a tag, classes, an id, attribute tests, joined
by descendant or child combinators) are parsed by cssselect and tested in Python against
the few candidates that `PageIndex` finds through libxml2's id table, its tag-name walk,
or one pass over a single attribute.

A selector outside that subset (pseudo-classes, sibling combinators, namespaces) compiles
to None; callers use cssselect's XPath translation for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from cssselect import HTMLTranslator
from cssselect import parse as parse_css
from cssselect import parser as css_tree
from lxml import etree

_XML_SPACE = re.compile("[ \t\r\n]+")  # what XPath's normalize-space() splits on

# attribute operator -> test of (value, expected), as cssselect's XPath translation has them
_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "exists": lambda value, expected: True,
    "=": lambda value, expected: value == expected,
    "~=": lambda value, expected: (
        bool(expected) and expected in value and expected in _XML_SPACE.split(value)
    ),
    "^=": lambda value, expected: bool(expected) and value.startswith(expected),
    "$=": lambda value, expected: bool(expected) and value.endswith(expected),
    "*=": lambda value, expected: bool(expected) and expected in value,
    "|=": lambda value, expected: value == expected or value.startswith(expected + "-"),
}


@dataclass(frozen=True)
class Test:
    """One attribute test of a compound selector: `.x` is Test("class", "~=", "x")."""

    attribute: str
    operator: str
    value: str

    def __call__(self, element: etree._Element) -> bool:
        found = element.get(self.attribute)
        return found is not None and _OPERATORS[self.operator](found, self.value)


@dataclass(frozen=True)
class Compound:
    """A tag (None: any) with attribute tests, e.g. `div.article[data-sudaclick]`."""

    tag: str | None
    tests: tuple[Test, ...]

    def __call__(self, element: etree._Element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        for test in self.tests:  # (a loop: this runs for every candidate element)
            if not test(element):
                return False
        return True


@dataclass(frozen=True)
class Selector:
    """`subject` is the rightmost compound; `context` the others, nearest first, each with
    the combinator (" " or ">") that joins it to the compound on its right."""

    subject: Compound
    context: tuple[tuple[Compound, str], ...]

    def matches(self, element: etree._Element) -> bool:
        return self.subject(element) and _context_matches(element, self.context)


def _context_matches(element: etree._Element, context: tuple[tuple[Compound, str], ...]) -> bool:
    if not context:
        return True
    (compound, combinator), rest = context[0], context[1:]
    if combinator == ">":
        parent = element.getparent()
        return parent is not None and compound(parent) and _context_matches(parent, rest)
    return any(compound(up) and _context_matches(up, rest) for up in element.iterancestors())


@lru_cache(maxsize=256)
def compile_selector(css: str) -> Selector | None:
    """`css` (one selector) if it is in the supported subset, else None."""
    try:
        (parsed,) = parse_css(css)
    except (ValueError, css_tree.SelectorSyntaxError):
        return None
    if parsed.pseudo_element:
        return None
    tree, chain = parsed.parsed_tree, []  # right to left: (compound, combinator to its left)
    while isinstance(tree, css_tree.CombinedSelector):
        if tree.combinator not in (" ", ">"):
            return None
        chain.append((_compound(tree.subselector), tree.combinator))
        tree = tree.selector
    chain.append((_compound(tree), ""))
    if any(compound is None for compound, _ in chain):
        return None
    context = tuple((chain[i + 1][0], chain[i][1]) for i in range(len(chain) - 1))
    return Selector(chain[0][0], context)  # type: ignore[arg-type]


def _compound(tree) -> Compound | None:
    tests: list[Test] = []
    while not isinstance(tree, css_tree.Element):
        if isinstance(tree, css_tree.Class):
            tests.append(Test("class", "~=", tree.class_name))
        elif isinstance(tree, css_tree.Hash):
            tests.append(Test("id", "=", tree.id))
        elif (
            isinstance(tree, css_tree.Attrib)
            and tree.namespace is None
            and tree.operator in _OPERATORS
            and not getattr(tree, "flag", None)
        ):
            value = "" if tree.value is None else tree.value.value
            tests.append(Test(tree.attrib.lower(), tree.operator, value))
        else:
            return None
        tree = tree.selector
    if tree.namespace is not None:
        return None
    tag = None if tree.element in (None, "*") else tree.element.lower()
    return Compound(tag, tuple(reversed(tests)))


@lru_cache(maxsize=256)
def xpath_of(css: str) -> etree.XPath:
    """cssselect's translation of `css`, for what `compile_selector` leaves out."""
    return etree.XPath(HTMLTranslator().css_to_xpath(css))


class SelectorSet:
    """Selectors to test many elements against, indexed by what their subject's first
    attribute test needs, so that an element meets only the selectors it may match: a
    class word or an exact value is a dict look-up, the substring tests of an attribute
    one regular expression, and a test of presence only the elements having it."""

    def __init__(self, selectors: Iterable[Selector]) -> None:
        self.any_element: list[Selector] = []
        self.on_presence: dict[str, list[Selector]] = {}
        self.by_value: dict[str, dict[str, list[Selector]]] = {}
        self.by_word: dict[str, dict[str, list[Selector]]] = {}
        parts: dict[str, list[Selector]] = {}
        for selector in selectors:
            if not selector.subject.tests:
                self.any_element.append(selector)
                continue
            test = selector.subject.tests[0]
            if test.operator == "exists":
                self.on_presence.setdefault(test.attribute, []).append(selector)
            elif test.operator == "=":
                self.by_value.setdefault(test.attribute, {}).setdefault(test.value, []).append(
                    selector
                )
            elif test.operator == "~=":
                self.by_word.setdefault(test.attribute, {}).setdefault(test.value, []).append(
                    selector
                )
            else:  # ^= $= *= |=: the value holds the expected text
                parts.setdefault(test.attribute, []).append(selector)
        self.by_part = {
            name: (
                re.compile("|".join(re.escape(s.subject.tests[0].value) for s in selectors)),
                selectors,
            )
            for name, selectors in parts.items()
        }

    def matches(self, element: etree._Element) -> bool:
        for selector in self.any_element:
            if selector.matches(element):
                return True
        for name, value in element.items():  # (most elements have no attribute at all)
            for selector in self._candidates(name, value):
                if selector.matches(element):
                    return True
        return False

    def _candidates(self, name: str, value: str) -> list[Selector]:
        found = self.on_presence.get(name, [])
        exact = self.by_value.get(name)
        if exact and value in exact:
            found = found + exact[value]
        words = self.by_word.get(name)
        if words:
            for word in _XML_SPACE.split(value):
                if word in words:
                    found = found + words[word]
        part = self.by_part.get(name)
        if part and part[0].search(value):
            found = found + part[1]
        return found


def select(root: etree._Element, selectors: SelectorSet) -> list[etree._Element]:
    """The elements under `root` (itself included) matching any of `selectors`, in
    document order, in one walk of the subtree."""
    return [element for element in root.iter(etree.Element) if selectors.matches(element)]


_ID = etree.XPath("id($id)")
_XPATH_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_TAG_OPENING = re.compile(rb"[A-Za-z][A-Za-z0-9]*")  # a start tag's name, after its "<"


def _id_wanted(compound: Compound) -> str | None:
    return next((t.value for t in compound.tests if (t.attribute, t.operator) == ("id", "=")), None)


_HAVING_ANY_ATTRIBUTE = etree.XPath("//@*[name() = $name][contains(., $part)]/..")


@lru_cache(maxsize=64)
def _having_attribute(name: str) -> etree.XPath:
    """Elements with attribute $name whose value contains $part: one pass over that
    attribute's nodes, far cheaper in libxml2 than a predicate on every element (the
    name is written into the path when XPath can read it there)."""
    if _XPATH_NAME.fullmatch(name):
        return etree.XPath(f"//@{name}[contains(., $part)]/..")
    return _HAVING_ANY_ATTRIBUTE


class PageIndex:
    """Finds elements of one parsed page by CSS selector, in document order.

    Candidates for a selector come from its most specific part: an id (libxml2's id table),
    a tag (lxml's walk by tag name), else the elements that may carry a class or attribute
    value, cached per page: with the page's `raw` bytes (in an ASCII-compatible encoding),
    a walk of the tags that hold the value in the source (see `_tags_holding`), else one
    XPath pass over that attribute.
    """

    def __init__(
        self, root: etree._Element, raw: bytes | None = None, tags: Iterable[str] = ()
    ) -> None:
        self.root = root
        self.raw = raw
        self.tags = frozenset(tags)
        self._having: dict[tuple[str, str], list[etree._Element]] = {}
        self._by_tag: dict[str, list[etree._Element]] | None = None

    def elements(self, tag: str) -> list[etree._Element]:
        """The elements named `tag`. Those of `tags` are all gathered in a single walk of
        the page, the first time any of them is asked for: each walk of a page that no
        longer fits in the processor's caches costs tens of microseconds."""
        if tag not in self.tags:
            return list(self.root.iter(tag))
        if self._by_tag is None:
            self._by_tag = {name: [] for name in self.tags}
            for element in self.root.iter(*self.tags):
                self._by_tag[element.tag].append(element)
        return self._by_tag[tag]

    def find(self, css: str) -> Iterator[etree._Element]:
        selector = compile_selector(css)
        if selector is None:
            yield from xpath_of(css)(self.root)
            return
        seen: set[etree._Element] = set()
        for element in self._candidates(selector):
            if element not in seen and selector.matches(element):
                seen.add(element)
                yield element

    def _candidates(self, selector: Selector) -> Iterator[etree._Element]:
        subject = selector.subject
        wanted_id = _id_wanted(subject)
        if wanted_id is not None:
            yield from self._by_id(wanted_id)
        elif subject.tag is not None:
            yield from self.elements(subject.tag)
        elif selector.context and selector.context[-1][0].tests:
            # `.date-source .date`: the subtrees of the leftmost part's elements
            for outer in self._having_test(selector.context[-1][0].tests[0]):
                yield from outer.iterdescendants()
        elif subject.tests:
            yield from self._having_test(subject.tests[0])
        else:
            yield from self.root.iter(etree.Element)

    def _by_id(self, value: str) -> Iterator[etree._Element]:
        """The first element with id `value` from the id table, then, only if asked for
        more, the others from a walk of the page. (The table holds the first element of
        each id; an `<a name>` can stand in it for an id that no element has.)"""
        found = _ID(self.root, id=value)
        if not found:
            return  # no element has that id
        first = found[0] if found[0].get("id") == value else None
        if first is not None:
            yield first
        for element in self.root.iter(etree.Element):
            if element is not first and element.get("id") == value:
                yield element

    def _having_test(self, test: Test) -> list[etree._Element]:
        """Elements whose `test.attribute` may pass `test` (a superset), in document order."""
        part = "" if test.operator in ("exists", "|=") else test.value
        key = (test.attribute, part)
        if key not in self._having:
            tags = self._tags_holding(part or test.attribute)
            if tags is None:
                found = _having_attribute(test.attribute)(
                    self.root, name=test.attribute, part=part
                )
            else:  # a walk by tag name and a look at one attribute: no XPath strings
                values = (
                    (element, element.get(test.attribute))
                    for element in (self.root.iter(*tags) if tags else ())
                )
                found = [e for e, value in values if value is not None and part in value]
            self._having[key] = found
        return self._having[key]

    def _tags_holding(self, text: str) -> tuple[str, ...] | None:
        """The names of the tags that may carry `text` in an attribute: for each place
        `text` occurs in the raw page, the tag opened by the nearest `<` before it. None
        when that cannot be told (no raw bytes, text not ASCII); () when `text` does
        not occur. Attribute values are taken to be written out, not as character
        references, and to hold no `<` before `text` (so do Sina's pages)."""
        if self.raw is None or not text.isascii() or not text:
            return None
        token, tags = text.encode("ascii"), set()
        at = self.raw.find(token)
        while at >= 0:
            opened = _TAG_OPENING.match(self.raw, self.raw.rfind(b"<", 0, at) + 1)
            if opened:
                tags.add(opened.group().decode("ascii").lower())
            at = self.raw.find(token, at + len(token))
        return tuple(sorted(tags))
