"""Paragraph -> chunks small enough to embed well, cut only at sentence ends.

The default embedder reads at most 512 tokens and its cost grows with length, so long
paragraphs are packed into chunks of whole sentences. Every chunk keeps its paragraph id, and
is embedded with the paragraph's heading path so that it stands alone (as QAnything does).
"""

from __future__ import annotations

import re

from ingest.records import Chunk, Paragraph

DEFAULT_MAX_CHARS = 300
# A sentence ends at 。！？；!?; (plus closing quotes), or at a newline.
_SENTENCE = re.compile(r"[^。！？；!?;…\n]*(?:[。！？；!?;…]+[”’\"」』）)]*|\n|$)")


_ENDS = re.compile(r"[。！？；!?;…]+[”’\"」』）)]*$")


def ends_sentence(text: str) -> bool:
    """Whether a chunk ends where a sentence does (else it was cut inside an over-long one)."""
    return bool(_ENDS.search(text))


def split_sentences(text: str) -> list[str]:
    """Sentences with their punctuation; ASCII and full-width punctuation both end a sentence."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)) if s]


def _pack(sentences: list[str], max_chars: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        # A single over-long sentence is cut hard; nothing else splits inside a sentence.
        while len(sentence) > max_chars:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:max_chars])
            sentence = sentence[max_chars:]
        if current and len(current) + len(sentence) > max_chars:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def embed_text_for(paragraph: Paragraph, text: str) -> str:
    """The text the embedder and keyword index see: heading path, then the chunk."""
    context = " ".join(h for h in paragraph.heading_path if h)
    return f"{context}\n{text}" if context else text


def chunk_paragraph(paragraph: Paragraph, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    if len(paragraph.text) <= max_chars:
        pieces = [paragraph.text]
    else:
        pieces = _pack(split_sentences(paragraph.text), max_chars)
    return [
        Chunk(
            chunk_id=f"{paragraph.paragraph_id}/{i}",
            paragraph_id=paragraph.paragraph_id,
            text=piece,
            embed_text=embed_text_for(paragraph, piece),
            kind=paragraph.kind,
        )
        for i, piece in enumerate(pieces)
    ]


def chunk_paragraphs(paragraphs: list[Paragraph], max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    return [c for p in paragraphs for c in chunk_paragraph(p, max_chars)]
