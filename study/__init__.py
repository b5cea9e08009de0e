"""The 学习 tab and `kb quiz`: questions generated from the reports, grading, progress and review."""
