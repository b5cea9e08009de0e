"""A question to a cited answer: constraints, retrieval, the extractive or generated answer, verification.

One sub-package per stage a question passes through: question/ (reading it), evidence/ (finding
the paragraphs and sentences), figures/ (figure answers and tables), prose/ (prose answers),
generation/ (LLM answers and verification); pipeline.py runs them, answer_types.py and
records.py hold what they share."""
