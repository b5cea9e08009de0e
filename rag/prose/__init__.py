"""Prose answers: a question asking for a report's points, answered as a list of them, each
quoted and cited. Empty for now: a later change puts the reading of such questions and their
answers here."""
