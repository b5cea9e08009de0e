"""Finding the evidence: hybrid retrieval of paragraphs (retrieve), their sentences scored
against the question (sentences), the sentence(s) quoted (excerpt), and whether the evidence is
strong enough to answer from at all (refusal)."""
