"""Bytes to text: detect a file's character encoding (BOM, UTF-8, GB18030, UTF-16 without BOM,
then charset-normalizer), decode it, and normalise newlines to "\n"."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable

import charset_normalizer

from ingest.loaders.common import LoadError

NOT_TEXT_REASON = "不是文本文件（无法识别编码）"

# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Legacy Chinese codecs a detector may name; gb18030 is a superset of all of them, so decoding
# with it never loses characters the narrower guess would have produced.
CHINESE_LEGACY = frozenset({"gb2312", "gbk", "gb18030", "cp936", "hz", "iso2022_cn", "euc_cn"})

# Punctuation that appears in ordinary simplified-Chinese prose.
_CHINESE_PUNCT = frozenset("，。、；：？！“”‘’（）《》〈〉【】〔〕—…·「」『』％　～")

# Control characters that do occur in real text files (tab, newlines, form feed, DOS EOF).
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")


def codec_name(name: str) -> str:
    """Canonical Python codec name ("UTF_16_LE" -> "utf-16-le")."""
    return codecs.lookup(name).name


def try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(text: str) -> bool:
    # A stray control character can occur in a real text file; many of them mean we decoded
    # something that is not text.
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    return bad > max(1, len(text) // 200)


def _is_common_chinese(ch: str) -> bool:
    """True for GB2312 hanzi and ordinary Chinese punctuation: what real GB-encoded prose is made of."""
    if ch in _CHINESE_PUNCT or "\uff01" <= ch <= "\uff5e":
        return True
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and encoded[0] >= 0xB0  # rows 16-87 are the hanzi


def _is_cjk_script(ch: str) -> bool:
    """Script-level test, not biased to simplified Chinese (Big5 text passes too)."""
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or "\u2010" <= ch <= "\u2027"
    )


def _ratio(text: str, predicate: Callable[[str], bool]) -> float:
    """Share of the non-ASCII characters of `text` satisfying `predicate` (0.0 if none)."""
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return 0.0
    verdicts = {ch: predicate(ch) for ch in set(non_ascii)}
    return sum(verdicts[ch] for ch in non_ascii) / len(non_ascii)


def bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII characters put their NUL byte always on the same side."""
    if len(data) % 2:
        return None
    nul_even = data[0::2].count(0)
    nul_odd = data[1::2].count(0)
    if nul_odd and not nul_even:
        candidate = "utf-16-le"
    elif nul_even and not nul_odd:
        candidate = "utf-16-be"
    else:
        return None
    text = try_decode(data, candidate)
    return candidate if text is not None and not _looks_binary(text) else None


def _confident_gb18030(data: bytes) -> bool:
    # Detectors misjudge short GBK text (often as Big5 or a Windows code page). If gb18030 decodes
    # the bytes strictly and the result is overwhelmingly ordinary Chinese, that is conclusive:
    # text in another encoding almost never decodes into common hanzi by accident.
    text = try_decode(data, "gb18030")
    return text is not None and _ratio(text, _is_common_chinese) >= 0.9


def _from_detector(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    guess = codec_name(best.encoding)
    if guess.replace("-", "_") in CHINESE_LEGACY:
        return "gb18030"
    if guess.startswith("utf"):
        return guess
    return _prefer_gb18030_over(guess, data)


def _prefer_gb18030_over(guess: str, data: bytes) -> str | None:
    """Keep a Big5/cp* guess only if it decodes the bytes better than gb18030 does."""
    guessed_text = try_decode(data, guess)
    gb_text = try_decode(data, "gb18030")
    gb_is_chinese = gb_text is not None and _ratio(gb_text, _is_common_chinese) >= 0.5
    if gb_is_chinese and (
        guessed_text is None or _ratio(gb_text or "", _is_cjk_script) >= _ratio(guessed_text, _is_cjk_script)
    ):
        return "gb18030"
    return guess if guessed_text is not None else None


def _sniff(data: bytes) -> str | None:
    """Codec name for `data`, or None if it does not look like text at all."""
    if not data:
        return "utf-8"
    bom = bom_encoding(data)
    if bom:
        return bom
    if b"\x00" in data:
        # NUL never occurs in UTF-8/GB text; only UTF-16 without BOM explains it.
        return _bomless_utf16(data) or _utf16_from_detector(data)
    if try_decode(data, "utf-8") is not None:
        return "utf-8"
    if _confident_gb18030(data):
        return "gb18030"
    return _from_detector(data)


def _utf16_from_detector(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and codec_name(best.encoding).startswith(("utf-16", "utf-32")):
        return codec_name(best.encoding)
    return None


def detect_encoding(data: bytes) -> str:
    """Return the Python codec name that decodes `data`.

    Order: byte-order mark; strict UTF-8; strict gb18030 when the result is plainly Chinese;
    then charset-normalizer, with GB2312/GBK guesses widened to gb18030 and Big5/cp* guesses
    kept only when they decode better than gb18030. Raises ValueError (Chinese message) when
    the bytes are not text.
    """
    encoding = _sniff(data)
    if encoding is None:
        raise ValueError(NOT_TEXT_REASON)
    return encoding


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_with(data: bytes, encoding: str, path: str) -> str:
    text = try_decode(data, encoding)
    if text is None or _looks_binary(text):
        raise LoadError(path, NOT_TEXT_REASON)
    # A BOM can survive when a detector (not our BOM check) chose a BOM-less codec.
    text = normalise_newlines(text).removeprefix("\ufeff")
    if not text.strip():
        raise LoadError(path, "文件为空")
    return text


def decode_bytes(data: bytes, path: str = "") -> tuple[str, str]:
    """Decode file bytes to text with detected encoding; newlines become "\\n", BOM removed.

    Returns (text, encoding). Raises LoadError for empty (or blank) and non-text data.
    """
    if not data:
        raise LoadError(path, "文件为空")
    encoding = _sniff(data)
    if encoding is None:
        mixed = _decode_lines(data)
        if mixed is None:
            raise LoadError(path, NOT_TEXT_REASON)
        return mixed, MIXED_ENCODING
    return decode_with(data, encoding, path), encoding


MIXED_ENCODING = "utf-8+gb18030"


def _decode_lines(data: bytes) -> str | None:
    """Text pasted together from files in two encodings (UTF-8 and GBK lines in one file): each
    line in whichever of the two decodes it, if every line is plainly text that way."""
    lines = []
    for raw in data.split(b"\n"):
        line = try_decode(raw, "utf-8")
        if line is None:
            line = try_decode(raw, "gb18030")
            if line is None or _ratio(line, _is_common_chinese) < 0.9:
                return None
        lines.append(line)
    text = normalise_newlines("\n".join(lines)).removeprefix("\ufeff")
    return text if text.strip() and not _looks_binary(text) else None
