"""Generation and verification: chat models (llm; a local GGUF assembled by local_model), the
Chinese prompts (prompt), answers written by a model and streamed (generate), and the
per-sentence check of citations and figures every answer passes (verify)."""
