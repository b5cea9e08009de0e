"""A report's outline, as reports are written to be listed: its headings; enumerated lead
paragraphs ("（三）坚决打好三大攻坚战。……") with the paragraphs that carry them out; and the topic
sentence a paragraph opens with ("加大精准脱贫力度。今年再减少……").

Segmentation (ingest.segment) records the headings; lead paragraphs and topic sentences end in
"。", so they are paragraphs there, and are read here, per snapshot, when a prose question needs
them (`Outlines`)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ingest.paragraph_store import of_document
from ingest.records import Kind, Paragraph

# Enumerators a paragraph may open with, by style: a lead's group ends at the next lead of the
# same style (or a heading); a lead of another style inside it is one of its parts.
_CN = "一二三四五六七八九十"
_ENUMERATORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn-paren", re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]\s*")),
    ("cn-comma", re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]\s*")),
    ("num-paren", re.compile(r"^[（(]\d{1,2}[）)]\s*")),
    ("num-dot", re.compile(r"^\d{1,2}[.．、](?!\d)\s*")),
    # "第一，……", "第一个阶段，……"
    ("ordinal", re.compile(rf"^第[{_CN}]{{1,3}}(?:个|项|条|步)?[\u4e00-\u9fff]{{0,4}}?[，,、：:]\s*")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]\s*")),
    ("dash", re.compile(r"^(?:——|－－|—)\s*")),
)
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]+[”’」』）)]*|[^。！？；!?;]+$")
# An address to the audience ends the group of the lead before it: what follows sums up.
_ADDRESS = re.compile(r"^(?:各位代表|同志们|各位委员|各位同志)[！!，,：:]")
LEAD_MAX = 60  # a lead sentence is a title, not a paragraph of prose
TOPIC_MAX = 30  # a topic sentence heads its paragraph in a few words
_DOCS_KEPT = 64  # reports whose outlines a version keeps built
_TITLE_END = "。！？；!?;：:，, "


@dataclass(eq=False)
class Node:
    """One part of a report: the report ("doc"), a heading, a lead paragraph with the paragraphs
    it heads ("lead"), or one paragraph ("para"). `title` is what the part is called (the
    heading, or the lead or topic sentence without its enumerator); `span` is where that title
    stands in the paragraph."""

    kind: str
    title: str
    paragraph: Paragraph | None = None
    span: tuple[int, int] | None = None
    enum: str = ""  # the enumerator style its paragraph opens with ("cn-paren" for "（三）")
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    def paragraphs(self) -> list[Paragraph]:
        """Its own paragraph and every paragraph under it, in report order."""
        own = [self.paragraph] if self.paragraph is not None else []
        return own + [p for c in self.children for p in c.paragraphs()]

    def path(self) -> Iterator[Node]:
        """This part, then the parts it belongs to up to the report."""
        node: Node | None = self
        while node is not None:
            yield node
            node = node.parent


def enumerator(text: str) -> tuple[str, int] | None:
    """(style, length) of the enumerator `text` opens with, or None."""
    for style, pattern in _ENUMERATORS:
        m = pattern.match(text)
        if m:
            return style, m.end()
    return None


def _title_span(paragraph: Paragraph, skip: int, limit: int, alone: bool = False) -> tuple[int, int] | None:
    """The paragraph's first sentence (after its enumerator) when it is short enough to be a
    title and more text follows it, or, `alone`, when it is the whole paragraph ("（一）稳定和
    完善宏观经济政策。" on a line of its own)."""
    m = _SENTENCE.match(paragraph.text, skip)
    if not m or not m.group(0).strip():
        return None
    start, end = m.start(), m.end()
    if end - start > limit or (end >= len(paragraph.text.rstrip()) and not alone):
        return None
    return start, end


def _clean(title: str) -> str:
    return title.strip().rstrip(_TITLE_END)


def build(paragraphs: Sequence[Paragraph], title: str) -> Node:
    """The outline of one document's paragraphs, given in report order. Captions and bylines
    are no part of it. A lead heads the paragraphs after it until the next lead of its style
    (or a heading, or an address to the audience); a lead of another style inside it ("1." under
    "（一）") is one of its parts, with the paragraphs it heads in turn."""
    root = Node("doc", title)
    headings: dict[tuple[str, ...], Node] = {(): root}
    leads: list[Node] = []  # the open leads, outermost first, all under `leads_path`
    leads_path: tuple[str, ...] | None = None
    for p in paragraphs:
        path = p.heading_path
        parent = _heading(headings, path)
        if p.kind is not Kind.BODY:
            continue
        if path != leads_path or _ADDRESS.match(p.text):
            leads, leads_path = [], path
        opened = enumerator(p.text)
        if opened is not None:
            span = _title_span(p, opened[1], LEAD_MAX, alone=True)
            if span is not None:
                styles = [lead.enum for lead in leads]
                if opened[0] in styles:
                    del leads[styles.index(opened[0]) :]  # a sibling of that lead, closing what it headed
                owner = leads[-1] if leads else parent
                node = Node("lead", _clean(p.text[span[0] : span[1]]), p, span, opened[0], parent=owner)
                owner.children.append(node)
                leads.append(node)
                continue
        owner = leads[-1] if leads and opened is None else parent
        if opened is not None:
            leads = []  # an enumerated paragraph too long to be a title ends the leads' groups
        span = _title_span(p, opened[1] if opened else 0, TOPIC_MAX)
        name = _clean(p.text[span[0] : span[1]]) if span else ""
        owner.children.append(Node("para", name, p, span, opened[0] if opened else "", parent=owner))
    return root


def _heading(headings: dict[tuple[str, ...], Node], path: tuple[str, ...]) -> Node:
    if path in headings:
        return headings[path]
    parent = _heading(headings, path[:-1])
    node = Node("heading", path[-1], parent=parent)
    parent.children.append(node)
    headings[path] = node
    return node


class Outlines:
    """The outline of each document, and each paragraph's place in it. Over a version's
    paragraphs (a Mapping, read from the catalog), a document's outline is built the first time
    a question needs it (a few milliseconds per report) and the last `_DOCS_KEPT` are kept; over
    paragraphs given as a list, every document's at once."""

    def __init__(self, paragraphs: Iterable[Paragraph] | Mapping[str, Paragraph]) -> None:
        self._source: Mapping[str, Paragraph] | None = None
        if isinstance(paragraphs, Mapping):
            self._source = paragraphs
        self._roots: OrderedDict[str, Node] = OrderedDict()
        self._nodes: dict[str, Node] = {}
        self._lock = threading.RLock()
        self.roots = _Roots(self)
        if not isinstance(paragraphs, Mapping):
            by_doc: dict[str, list[Paragraph]] = {}
            for p in paragraphs:
                by_doc.setdefault(p.doc_id, []).append(p)
            for doc_id, paras in by_doc.items():
                self._add(doc_id, sorted(paras, key=lambda p: p.number))

    def _add(self, doc_id: str, paras: list[Paragraph]) -> Node:
        first = paras[0]
        root = build(paras, first.meta.title if first.meta else first.doc_title)
        self._roots[doc_id] = root
        self._index(root, self._nodes)
        if self._source is not None and len(self._roots) > _DOCS_KEPT:
            _old, dropped = self._roots.popitem(last=False)
            gone: dict[str, Node] = {}
            self._index(dropped, gone)
            for paragraph_id in gone:
                self._nodes.pop(paragraph_id, None)
        return root

    def _index(self, node: Node, into: dict[str, Node]) -> None:
        if node.paragraph is not None:
            into[node.paragraph.paragraph_id] = node
        for child in node.children:
            self._index(child, into)

    def root(self, doc_id: str) -> Node:
        """A document's outline (KeyError: no such document)."""
        with self._lock:
            root = self._roots.get(doc_id)
            if root is not None:
                self._roots.move_to_end(doc_id)
                return root
            paras = of_document(self._source, doc_id) if self._source is not None else []
            if not paras:
                raise KeyError(doc_id)
            return self._add(doc_id, paras)

    def node(self, paragraph_id: str) -> Node | None:
        """The part a paragraph is (a lead or a paragraph), None for a caption or byline."""
        with self._lock:
            found = self._nodes.get(paragraph_id)
            if found is not None or self._source is None:
                return found
            paragraph = self._source.get(paragraph_id)
            if paragraph is None or paragraph.doc_id in self._roots:
                return None
            self.root(paragraph.doc_id)
            return self._nodes.get(paragraph_id)


class _Roots:
    """`Outlines.roots[doc_id]`: a document's outline, built when first asked for."""

    def __init__(self, outlines: Outlines) -> None:
        self._outlines = outlines

    def __getitem__(self, doc_id: str) -> Node:
        return self._outlines.root(doc_id)
