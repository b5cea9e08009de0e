"""A question to a cited answer: constraints, retrieval, the extractive or generated answer, verification."""
