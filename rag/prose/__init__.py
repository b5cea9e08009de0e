"""Prose answers: questions asking for a list of the report's points ("……方面做了哪些工作?",
"有哪些措施?", "怎样……?", "为什么……?", "包括哪几个方面?"), answered by the points of the part of
a report the question is about, each in the report's own words and cited."""
