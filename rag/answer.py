"""Answers with citations. The default answerer is extractive: no LLM, nothing invented.

It picks the sentence(s) of the retrieved paragraphs that best cover the question, puts a
figure with its unit up front when the question asks for one, and marks each sentence with
`[n]`; every `[n]` is one paragraph. When the evidence is too weak it refuses and lists the
closest paragraphs as 可能相关.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from ingest.chunk import split_sentences
from ingest.records import Aspect, Kind, Paragraph
from ingest.scope import sentence_scope, years_in
from ingest.terms import STOP_WORDS, bigrams, words
from rag.constraints import Asked, Resolution, time_fit, without_constraints
from rag.glossary import ACRONYMS, expand
from rag.lead import GENERIC, asks_growth, lead_figure, wants_percent
from rag.numbers import asks_for_date, asks_for_number, find_dates, find_numbers, is_figure
from rag.records import CITATION_MARKER, REFUSAL_TEXT
from rag.refusal import RefusalModel, evidence_features
from rag.retrieve import EVERYTHING, Hit, SearchFilter
from rag.table import Table
from rag.verify import Verification

# Reports call the growth of output (国内/地区生产总值) "经济增长" or "经济增速".
_ECONOMY_GROWTH = re.compile(r"经济(?:增长|增速)")
_OUTPUT = "国内生产总值 地区生产总值"
# BM25 idf of a word found in at most ~8% of the indexed chunks: specific enough to say what a
# figure is about (log(1 + 0.92 / 0.08) ≈ 2.5, whatever the size of the index).
SPECIFIC_IDF = 2.5


@dataclass(frozen=True)
class Citation:
    n: int
    paragraph_id: str
    doc: str
    heading: str
    text: str
    sentence: str  # the supporting sentence ("" for a 可能相关 paragraph of a refusal)
    number: int = 0  # paragraph number in its document
    doc_id: str = ""
    # Where `sentence` stands in `text` (a sentence can occur twice in a paragraph); None when
    # unknown, e.g. a refusal's 可能相关 paragraph.
    span: tuple[int, int] | None = None
    # Which report it is (ingest.metadata): shown on every citation card.
    year: int | None = None
    body: str = ""
    kind: str = ""
    report: str = ""  # the report's title ("2023年某市政府工作报告"); `doc` is the document's own title

    @property
    def label(self) -> str:
        """ "2023年某市政府工作报告 · 某市人民政府": the report and who issued it."""
        title = self.report or self.doc
        return f"{title} · {self.body}" if self.body and self.body not in title else title

    def to_json(self) -> dict[str, Any]:
        hidden = ("number", "doc_id", "span", "report")
        out = {k: v for k, v in asdict(self).items() if k not in hidden}
        out["report"] = self.label
        return out


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[tuple[str, float]] = field(default_factory=list)
    latency_ms: float = 0.0
    confidence: float = 0.0
    answerer: str = "extractive"  # or the model that wrote `text`: "openai:<model>", "llamacpp:<file>"
    searched: str = ""  # the question as searched when a follow-up was rewritten ("" = as asked)
    verification: Verification | None = None
    fallback: Answer | None = None  # the extractive answer offered when the check failed
    notice: str = ""  # e.g. why the LLM was not used this time
    lead: str = ""  # the figure or date an extractive answer puts first ("40822人次"), if any
    # A refusal on the evidence (too weak, or about another year), not on how sentences fit.
    conclusive: bool = False
    table: Table | None = None  # a figure per year or report (rag.series), each row cited

    def to_json(self) -> dict[str, Any]:
        """The `kb ask --json` contract; other tools rely on these keys."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [{"paragraph_id": pid, "score": round(s, 6)} for pid, s in self.retrieved],
            "latency_ms": round(self.latency_ms, 1),
            "answerer": self.answerer,
            "searched_question": self.searched or self.question,
            "verification": (
                self.verification.to_json() if self.verification else {"ok": True, "problems": []}
            ),
        }
        if self.fallback is not None:
            out["extractive_answer"] = {
                "answer": self.fallback.text,
                "citations": [c.to_json() for c in self.fallback.citations],
            }
        if self.notice:
            out["notice"] = self.notice
        if self.table is not None:
            out["table"] = self.table.to_json()
        return out


@dataclass(frozen=True)
class Focus:
    """A question with its constraints: `terms` is what a sentence's words have to match once
    the filters have enforced the `applied` constraints (the years and places are then known)."""

    question: str
    terms: str
    asked: Asked = field(default_factory=Asked)
    applied: frozenset[str] = frozenset()
    mentions: tuple[str, ...] = ()  # places a sentence has to name (no report of their own)
    where: SearchFilter = EVERYTHING  # what may be quoted (an answer key too)

    @classmethod
    def of(cls, question: str, asked: Asked | None, resolution: Resolution | None) -> Focus:
        if asked is None or resolution is None:
            return cls(question, question)
        # A place named without a report of its own is enforced by its mention (see
        # resolve): like an applied constraint, it says nothing more about which figure.
        stripped = resolution.applied | ({"regions"} if resolution.mentions else set())
        terms = without_constraints(question, asked, stripped)
        return cls(question, terms, asked, resolution.applied, resolution.mentions, resolution.where)


class Answerer(Protocol):
    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        asked: Asked | None = None,
        resolution: Resolution | None = None,
    ) -> Answer: ...


@dataclass(frozen=True)
class Sentence:
    text: str
    hit_rank: int  # 0-based rank of its paragraph among the hits
    paragraph: Paragraph
    coverage: float = 0.0
    score: float = 0.0
    span: tuple[int, int] = (0, 0)  # [start, end) of `text` in the paragraph's text
    keyed: bool = False  # an exam question matched: `text` is its answer key (答题要点)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, so excerpts stay exact substrings."""
    spans = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:  # pragma: no cover - split_sentences only strips white space
            continue
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def year_conflict(question: str, sentence: Sentence) -> bool:
    """The question names a year its best evidence never mentions, while that evidence names
    other years: "2020年培训了多少人次?" must not be answered from the 2021 report."""
    asked = set(_YEAR.findall(question))
    if not asked:
        return False
    para = sentence.paragraph
    context = " ".join([para.text, para.doc_title, *para.heading_path])
    stated = set(_YEAR.findall(context))
    return bool(stated) and not (asked & stated)


def lacks_asked_figure(question: str, texts: Sequence[str]) -> bool:
    """A question asking "多少/几/何时" whose chosen evidence holds no figure or date besides
    those the question states: quoting it would not answer, so the answerer refuses instead."""
    wants_number, wants_date = asks_for_number(question), asks_for_date(question)
    if not (wants_number or wants_date):
        return False
    joined = "".join(texts)
    figures = [m.text for m in find_numbers(joined) if is_figure(m)] if wants_number else []
    figures += find_dates(joined) if wants_date else []
    return not any(f not in question for f in figures)


def answer_type_bonus(question: str, sentence: str, question_words: set[str]) -> float:
    """Prefer sentences that can answer, not ones that only repeat the question.

    A question asking for a figure or a date wants a sentence holding one that the question
    does not already contain; a sentence that is itself a question answers nothing; a sentence
    made only of the question's own words adds nothing."""
    bonus = 0.0
    if asks_for_number(question) or asks_for_date(question):
        figures = [m.text for m in find_numbers(sentence) if is_figure(m)]
        figures += find_dates(sentence)
        new = [f for f in figures if f not in question]
        bonus += 0.15 if new else -0.15
    if _QUESTION_SENTENCE.search(sentence):
        bonus -= 0.3
    content = [w for w in words(sentence) if len(w) > 1]
    if content:
        novelty = sum(w not in question_words for w in content) / len(content)
        bonus += 0.15 * min(1.0, novelty / 0.5)
    return bonus


def citation_for(
    n: int, paragraph: Paragraph, sentence: str, span: tuple[int, int] | None = None
) -> Citation:
    return Citation(
        n=n,
        paragraph_id=paragraph.paragraph_id,
        doc=paragraph.doc_title,
        heading=paragraph.heading,
        text=paragraph.text,
        sentence=sentence,
        number=paragraph.number,
        doc_id=paragraph.doc_id,
        span=span,
        year=paragraph.meta.year if paragraph.meta else None,
        body=paragraph.meta.body if paragraph.meta else "",
        kind=paragraph.meta.kind.value if paragraph.meta else "",
        report=paragraph.meta.title if paragraph.meta else "",
    )


class TermWeights:
    """Inverse document frequency of index terms, so rare words count more than common ones."""

    def __init__(self, idf: Callable[[str], float], known: Callable[[str], bool] | None = None) -> None:
        self._idf = idf
        self._known = known

    def of(self, term: str) -> float:
        return self._idf(term)

    def occurs(self, term: str) -> bool:
        """The term is found somewhere in the index (True when that is not known)."""
        return self._known is None or self._known(term)

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls(lambda _t: 1.0)


def _question_terms(question: str) -> list[str]:
    """The question's words and character pairs, without the pairs that are question or
    function words ("如何", "多少"): those match exam questions, not answers."""
    pairs = [b for b in bigrams(question) if b[1:] not in STOP_WORDS]
    return list(dict.fromkeys(words(question) + pairs))


def _coverage(q_terms: Sequence[str], weights: TermWeights, text_terms: set[str]) -> float:
    total = sum(weights.of(t) for t in q_terms)
    if total <= 0:
        return 0.0
    return sum(weights.of(t) for t in q_terms if t in text_terms) / total


class ExtractiveAnswerer:
    """Sentence selection over the retrieved paragraphs; refusal by a calibrated model."""

    def __init__(
        self,
        weights: TermWeights | None = None,
        refusal: RefusalModel | None = None,
        max_sentences: int = 2,
        paragraphs_considered: int = 5,
        max_excerpt_chars: int = 90,
        paragraphs: Mapping[str, Paragraph] | None = None,
    ) -> None:
        self.paragraphs = paragraphs or {}
        self._documents = len({p.doc_id for p in self.paragraphs.values()})
        self.max_excerpt_chars = max_excerpt_chars
        self.weights = weights or TermWeights.uniform()
        self.refusal = refusal or RefusalModel()
        self.max_sentences = max_sentences
        self.paragraphs_considered = paragraphs_considered

    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        asked: Asked | None = None,
        resolution: Resolution | None = None,
    ) -> Answer:
        focus = Focus.of(question, asked, resolution)
        q_terms = self.question_terms(focus)
        sentences, features = self.evidence(question, hits, focus)
        retrieved = [(h.paragraph.paragraph_id, h.score) for h in hits]
        confidence = self.refusal.probability(features)
        # Years the filters did not enforce (a passage file has no dates) are checked here.
        conflict = bool(sentences) and "years" not in focus.applied and year_conflict(question, sentences[0])
        if not sentences or confidence < self.refusal.threshold or conflict:
            # Both mean the knowledge base lacks the answer (no model should be asked either).
            return replace(self._refuse(question, hits, retrieved, confidence), conclusive=True)
        if features["subject"] == 0.0 and any(not self.weights.occurs(w) for w in self.subject_terms(focus)):
            # The question is about a thing the reports never name ("公租房") and the best
            # sentence holds none of its other specific words: it is about something else.
            return self._refuse(question, hits, retrieved, confidence)
        chosen = [self._excerpt(question, q_terms, best) for best in self._choose(q_terms, sentences)]
        if lacks_asked_figure(question, [c.text for c in chosen]):
            return self._refuse(question, hits, retrieved, confidence)
        if about_another_year(focus, chosen[0]):
            return self._refuse(question, hits, retrieved, confidence)
        text, citations, lead = self._compose(focus, q_terms, chosen)
        wants_figure = asks_for_number(question) and not asks_for_date(question)
        if wants_figure and not lead:
            # The figure may stand in a sentence ranked lower ("赤字率拟按2.6%安排" below
            # "财政赤字2.38万亿元"): the best few that hold one about the subject are tried.
            for other in sentences[1:8]:
                if other in chosen or about_another_year(focus, other):
                    continue
                trial = [self._excerpt(question, q_terms, other)]
                text, citations, lead = self._compose(focus, q_terms, trial)
                if lead:
                    break
        if wants_figure and not lead:
            # "多少" answered without a figure about what was asked: the reports do not say.
            return self._refuse(question, hits, retrieved, confidence)
        return Answer(question, text, False, citations, retrieved, confidence=confidence, lead=lead)

    def _excerpt(self, question: str, q_terms: Sequence[str], best: Sentence) -> Sentence:
        extended = self._extend(question, best)
        # Two sentences may be twice as long as one; trimming keeps the relevant clauses.
        limit = self.max_excerpt_chars * (2 if extended is not best else 1)
        return self._trim(q_terms, extended, limit)

    def evidence(
        self, question: str, hits: Sequence[Hit], focus: Focus | None = None
    ) -> tuple[list[Sentence], dict[str, float]]:
        """Ranked candidate sentences and the features the refusal model decides on."""
        focus = focus or Focus(question, question)
        q_terms = self.question_terms(focus)
        sentences = self.rank_sentences(question, q_terms, hits[: self.paragraphs_considered], focus)
        coverage = sentences[0].coverage if sentences else 0.0
        # Without specific words, how well the subject is matched is the overall coverage.
        subject = coverage
        terms = self.subject_terms(focus)
        if sentences and terms:
            best = sentences[0]
            text = " ".join([*best.paragraph.heading_path, best.text])
            subject = _coverage(terms, self.weights, set(words(text)))
        return sentences, evidence_features(hits, coverage, subject)

    def question_terms(self, focus: Focus) -> list[str]:
        """What sentences are matched with: the focus's words and character pairs, acronyms the
        reports never write read as their Chinese names (rag.glossary)."""
        return _question_terms(expand(focus.terms, self.weights.occurs))

    def subject_terms(self, focus: Focus) -> list[str]:
        """The words that say what the question is about: its specific words (a word in most
        paragraphs, "经济", says little about which figure is meant, and often paraphrases:
        "经济增速" for 国内生产总值增长), and the words the reports never use at all ("电影",
        "票房": nothing can answer about them), unless their parts are used ("总产量" when the
        reports write 总产, 产量). An acronym read as its Chinese names counts as those."""
        candidates = [
            w
            for w in dict.fromkeys(words(expand(focus.terms, self.weights.occurs)))
            if len(w) > 1
            and not w.isdigit()  # a year or a count is matched by the time scope and the lead
            and not _MAGNITUDE.fullmatch(w)  # "多少万亿元": the unit is the lead's, not a subject
            and not _generic(w)
            and not (w.upper() in ACRONYMS and not self.weights.occurs(w))
        ]
        known = [w for w in candidates if self.weights.occurs(w)]
        candidates = [w for w in candidates if w in known or _names_something(w)]
        return [
            w
            for w in candidates
            if (w in known and self.weights.of(w) >= SPECIFIC_IDF)
            or (w not in known and not any(k != w and k in w for k in known))
        ]

    def rank_sentences(
        self, question: str, q_terms: Sequence[str], hits: Sequence[Hit], focus: Focus | None = None
    ) -> list[Sentence]:
        focus = focus or Focus(question, question)
        q_words = set(words(question))
        ranked: list[Sentence] = []
        for rank, hit in enumerate(hits):
            para = hit.paragraph
            context = set(words(" ".join(para.heading_path)) + bigrams(" ".join(para.heading_path)))
            answer_key = self._answer_key(para)
            if answer_key is not None and not focus.where.allows(answer_key[0]):
                answer_key = None  # left out of this search (the eval's refusal variant)
            for start, end in sentence_spans(para.text):
                text = para.text[start:end]
                if len(text) < 4 or not all(place in text for place in focus.mentions):
                    continue
                own = set(words(text) + bigrams(text))
                cov = _coverage(q_terms, self.weights, own)
                # Heading words (a document title, a section name) half-count: they say what
                # the sentence is about without being in it.
                cov_ctx = _coverage(q_terms, self.weights, own | context)
                coverage = 0.75 * cov + 0.25 * cov_ctx
                source, span, keyed = para, (start, end), False
                if answer_key is not None and _QUESTION_SENTENCE.search(text):
                    source, span = answer_key  # matched the exam question: cite its answer key
                    keyed = True
                shown = source.text[span[0] : span[1]]
                score = (
                    coverage
                    + 0.12 / (1 + rank)
                    + 0.05 * hit.dense_similarity
                    + answer_type_bonus(question, shown, q_words)
                    + time_fit(focus.asked, sentence_scope(source, span[0], span[1]))
                )
                if source.kind is not Kind.BODY:
                    score -= 0.15
                ranked.append(Sentence(shown, rank, source, coverage, score, span, keyed))
        ranked.sort(key=lambda s: -s.score)
        return ranked

    def _answer_key(self, para: Paragraph) -> tuple[Paragraph, tuple[int, int]] | None:
        follower = answer_key(para, self.paragraphs)
        if follower is None:
            return None
        spans = sentence_spans(follower.text)
        return follower, spans[0] if spans else (0, len(follower.text))

    def _choose(self, q_terms: Sequence[str], ranked: list[Sentence]) -> list[Sentence]:
        """The best sentence, plus one more when it covers question terms the first lacks
        (questions that join two facts: "2020年甲省和乙省的粮食产量")."""
        chosen = [ranked[0]]
        if ranked[0].keyed:
            return chosen  # the exam question matched the question: its answer key is the answer
        covered = set(words(ranked[0].text) + bigrams(ranked[0].text))
        missing = [t for t in q_terms if t not in covered and not t.startswith("~")]
        if not missing or self.max_sentences < 2:
            return chosen
        for cand in ranked[1:12]:
            if cand.text == ranked[0].text:
                continue
            cand_terms = set(words(cand.text))
            gain = _coverage(missing, self.weights, cand_terms)
            if gain >= 0.5 and cand.score >= 0.5 * ranked[0].score:
                chosen.append(cand)
                break
        return chosen

    def _extend(self, question: str, sentence: Sentence) -> Sentence:
        """Add the next sentence of the paragraph when the chosen one cannot answer alone: it
        lacks the figure or date asked for, or only restates the question (the answer then
        usually follows: "……物色一位合适的编剧。" / "最终选定了王海鸰……")."""
        q_words = set(words(question))
        if answer_type_bonus(question, sentence.text, q_words) >= 0.1:
            return sentence
        text = sentence.paragraph.text
        following = [sp for sp in sentence_spans(text) if sp[0] >= sentence.span[1]]
        if not following:
            return sentence
        start, end = sentence.span[0], following[0][1]
        return replace(sentence, text=text[start:end], span=(start, end))

    def _trim(self, q_terms: Sequence[str], sentence: Sentence, limit: int) -> Sentence:
        """Cut a long sentence down to its clauses about the question, so the answer stays short
        (report sentences run to 200 characters of comma-joined clauses). The excerpt is a
        contiguous part of the paragraph, so the UI can highlight it."""
        text = sentence.text
        if len(text) <= limit:
            return sentence
        clauses = [m.group(0) for m in _CLAUSE.finditer(text) if m.group(0)]
        scores = [_coverage(q_terms, self.weights, set(words(c) + bigrams(c))) for c in clauses]
        lo = hi = max(range(len(clauses)), key=lambda i: (scores[i], -i))
        length = len(clauses[lo])
        while True:
            options = [i for i in (lo - 1, hi + 1) if 0 <= i < len(clauses)]
            options = [i for i in options if length + len(clauses[i]) <= limit]
            if not options:
                break
            pick = max(options, key=lambda i: (scores[i], -abs(i - lo)))
            lo, hi = min(lo, pick), max(hi, pick)
            length += len(clauses[pick])
        offset = sum(len(c) for c in clauses[:lo])
        excerpt = "".join(clauses[lo : hi + 1])
        start = sentence.span[0] + offset + (len(excerpt) - len(excerpt.lstrip()))
        excerpt = excerpt.strip()
        return replace(sentence, text=excerpt, span=(start, start + len(excerpt)))

    def _compose(
        self, focus: Focus, q_terms: Sequence[str], chosen: list[Sentence]
    ) -> tuple[str, list[Citation], str]:
        numbering: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for s in chosen:
            pid = s.paragraph.paragraph_id
            if pid not in numbering:
                numbering[pid] = len(numbering) + 1
                citations.append(citation_for(numbering[pid], s.paragraph, s.text, s.span))
            # "[2]" quoted from a report would read as a citation marker: show it full-width.
            quoted = CITATION_MARKER.sub(lambda m: f"［{m.group(1)}］", s.text.rstrip(",，;；、"))
            parts.append(f"{quoted}[{numbering[pid]}]")
        body = self._provenance(focus, chosen[0]) + "".join(parts)
        lead = self._lead_figure(focus, q_terms, chosen)
        text = f"{lead}。依据：{body}" if lead else body
        return text, citations, lead

    def _provenance(self, focus: Focus, sentence: Sentence) -> str:
        """Which report says it, when the knowledge base holds more than one: "据《2017年政府
        工作报告》（回顾2016年）：" — the year a figure belongs to is not always the report's."""
        meta = sentence.paragraph.meta
        if meta is None or self._documents < 2:
            return ""
        scope = sentence_scope(sentence.paragraph, *sentence.span)
        years = [y for y in focus.asked.years if scope.aspects_of(y)]
        note = ""
        if years and meta.year is not None:
            year = years[0]
            aspects = scope.aspects_of(year)
            if Aspect.TARGET in aspects and Aspect.RESULT not in aspects:
                note = f"（{year}年的目标）"
            elif year != meta.year:
                note = f"（回顾{year}年）"
        return f"据《{meta.title}》{note}："

    def _lead_figure(self, focus: Focus, q_terms: Sequence[str], chosen: Sequence[Sentence]) -> str:
        """For "多少/几/何时" questions: the figure of the chosen sentences that answers
        (rag.lead), or the date.

        Only a real figure leads (a unit, 万/亿, a percentage or a decimal), never one the
        question already states ("2021年"), and only one whose clause is about the question's
        subject; with no such figure the answer has no lead."""
        question = focus.question
        if asks_for_date(question):
            sentence = chosen[0].text
            dates = [d for d in find_dates(sentence) if d not in question]
            if dates and "到" in question:
                # "到哪一年…": the date a thing is to be done by ("从二○二○年到二○三五年").
                dates = [
                    d for d in dates if sentence[max(0, sentence.find(d) - 1) : sentence.find(d)] in "到至"
                ] or dates
            if dates:
                return max(dates, key=len)
        if asks_for_number(question):
            # A figure whose phrase holds too little of the question's specific words is about
            # something else (see subject_terms).
            subject_terms = self.subject_terms(focus)

            def coverage(clause: str) -> float:
                return _coverage(q_terms, self.weights, set(words(clause) + bigrams(clause)))

            # Every content word of the question, common ones too ("地区生产总值"): a figure whose
            # context shares none of them is about something else altogether.
            content = [
                w for w in words(expand(focus.terms, self.weights.occurs)) if len(w) > 1 and not _generic(w)
            ]

            # A rate or growth asked for and given may be named otherwise ("经济增速" or
            # "经济增长" for 国内生产总值增长).
            rate = wants_percent(focus.terms) or asks_growth(focus.terms)

            def subject(clause: str) -> float:
                found = set(words(clause) + bigrams(clause))
                if rate and _ECONOMY_GROWTH.search(clause):
                    # And the other way round: "经济增长6%" is the growth of 生产总值.
                    found |= set(words(_OUTPUT) + bigrams(_OUTPUT))
                if content and not rate and not any(w in found for w in content):
                    return 0.0
                if not subject_terms:
                    return 1.0
                return _coverage(subject_terms, self.weights, found)

            lean = focus.asked.leaning
            sentences = [(s.text, _sets_targets(focus, s)) for s in chosen]
            one_year = len(focus.asked.years) == 1
            return lead_figure(question, focus.terms, sentences, coverage, subject, lean, one_year)
        return ""

    def _refuse(
        self, question: str, hits: Sequence[Hit], retrieved: list[tuple[str, float]], confidence: float
    ) -> Answer:
        return refusal(question, hits, retrieved, confidence)


def refusal(
    question: str,
    hits: Sequence[Hit],
    retrieved: list[tuple[str, float]] | None = None,
    confidence: float = 0.0,
    reason: str = "",
) -> Answer:
    """ "知识库中没有找到……", with why when it is known (no report of that year or place), and the
    closest paragraphs as 可能相关."""
    related = [h.paragraph for h in hits[:3]]
    citations = [citation_for(i, p, "") for i, p in enumerate(related, start=1)]
    lines = [reason or REFUSAL_TEXT]
    if related:
        lines.append("可能相关：")
        lines += [f"[{c.n}] {c.label} {c.heading} 第{c.number}段".replace("  ", " ") for c in citations]
    if retrieved is None:
        retrieved = [(h.paragraph.paragraph_id, h.score) for h in hits]
    return Answer(
        question, "\n".join(lines), True, citations, retrieved, confidence=confidence, conclusive=bool(reason)
    )


def about_another_year(focus: Focus, sentence: Sentence) -> bool:
    """The sentence speaks about other years than the question asks about (the years it names,
    or those the sentence before it named; where the documents' years are known): its figures
    belong to another year."""
    if not focus.asked.years or "years" not in focus.applied:
        return False
    named = {y for y, _s, _e in years_in(sentence.text)}
    if named & set(focus.asked.years):
        return False
    # The years it names, or (naming none) those the sentence before it named.
    scope = sentence_scope(sentence.paragraph, *sentence.span)
    return bool(scope.years) and not any(scope.aspects_of(y) for y in focus.asked.years)


# A magnitude and a unit ("万亿元", "亿元", "万人"): how a figure is counted, never what it is about.
_MAGNITUDE = re.compile(r"[万亿千百]+(?:元|美元|人次|人|斤|吨|公里|亩|户|个|千瓦)?")


# Parts of speech (jieba) that name nothing: pronouns ("这次"), time words, numerals, measure
# words, adverbs, prepositions, conjunctions, particles, interjections, directions.
_NAMES_NOTHING = ("r", "t", "m", "q", "d", "p", "c", "u", "y", "e", "o", "f")


def _names_something(word: str) -> bool:
    """A word the reports never use counts as a subject only when it names something."""
    import jieba.posseg

    tokens = jieba.posseg.lcut(word)
    return bool(tokens) and not all(str(t.flag).startswith(_NAMES_NOTHING) for t in tokens)


def _generic(term: str) -> bool:
    """A word (or character pair) that says how a figure is asked for, not what it is about."""
    plain = term.lstrip("~")
    if _CHANGED_TO.fullmatch(plain):
        return True
    return plain in GENERIC or (term.startswith("~") and any(plain in g for g in GENERIC))


# "降到", "提高到", "增长至": how a figure changed, as GENERIC's words, written as one word.
_CHANGED_TO = re.compile(r"(?:降|增|提高|提升|上升|扩大|降低|下降|增长|增加|减少|达|缩小|压减)(?:到|至)")


def _sets_targets(focus: Focus, sentence: Sentence) -> bool:
    """The sentence sets out targets for the year asked (all its figures are targets)."""
    scope = sentence_scope(sentence.paragraph, *sentence.span)
    years = focus.asked.years or tuple(y for y, _a in scope.years)
    aspects = set().union(*(scope.aspects_of(y) for y in years)) if years else set()
    return Aspect.TARGET in aspects and Aspect.RESULT not in aspects


def answer_key(para: Paragraph, paragraphs: Mapping[str, Paragraph]) -> Paragraph | None:
    """A paragraph that is itself a question (考题内容:如何强化政治引领?) matches the user's
    question best but does not answer it: the paragraph after it does (答题要点:……)."""
    if not _QUESTION_PARAGRAPH.search(para.text):
        return None
    follower = paragraphs.get(f"{para.doc_id}#{para.number + 1}")
    if follower is None or follower.kind is not Kind.BODY:
        return None
    return follower


_QUESTION_SENTENCE = re.compile(r"[?？]\s*[”」』）)]*\s*$")
_QUESTION_PARAGRAPH = re.compile(r"^(考题|问题|试题|题目)?[^。！!]{0,60}[?？]\s*$")
_CLAUSE = re.compile(r"[^,，;；]*[,，;；]?")


def merge_answers(question: str, parts: Sequence[tuple[str, Answer]], top_k: int) -> Answer:
    """One answer for a question asked in parts (see rag.decompose): each answered part's text
    in turn with its citations renumbered into one list (a paragraph cited twice keeps one
    number); a part with no answer says so. All parts refused is one refusal."""
    answered = [(q, a) for q, a in parts if not a.refused]
    if not answered:
        first = parts[0][1]
        # No part has a sentence that answers it: no model is asked to try either.
        return Answer(question, first.text, True, first.citations, interleave(parts, top_k), conclusive=True)
    citations: list[Citation] = []
    number_of: dict[str, int] = {}
    lines: list[str] = []
    for i, (part_question, part) in enumerate(parts):
        if any(part.text == earlier.text for _q, earlier in parts[:i]):
            continue  # two parts answered by the same sentence: say it once
        if part.refused:
            lines.append(f"关于“{part_question}”，知识库中没有找到相关内容。")
            continue
        renumber: dict[int, int] = {}
        for c in part.citations:
            if c.paragraph_id not in number_of:
                number_of[c.paragraph_id] = len(citations) + 1
                citations.append(replace(c, n=number_of[c.paragraph_id]))
            renumber[c.n] = number_of[c.paragraph_id]
        lines.append(_renumber(part.text, renumber))
    confidence = min(a.confidence for _q, a in answered)
    return Answer(
        question, "\n".join(lines), False, citations, interleave(parts, top_k), confidence=confidence
    )


def _renumber(text: str, numbers: dict[int, int]) -> str:
    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"[{numbers.get(n, n)}]"

    return CITATION_MARKER.sub(swap, text)


def interleave(parts: Sequence[tuple[str, Answer]], top_k: int) -> list[tuple[str, float]]:
    """Retrieved paragraphs of all parts, taking each part's next best in turn."""
    seen: dict[str, float] = {}
    longest = max(len(a.retrieved) for _q, a in parts)
    for i in range(longest):
        for _q, a in parts:
            if i < len(a.retrieved) and a.retrieved[i][0] not in seen:
                seen[a.retrieved[i][0]] = a.retrieved[i][1]
    return list(seen.items())[:top_k]
