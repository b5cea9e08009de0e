"""Reading the question: its years, target or result, places and named report (constraints),
what they mean for the loaded reports (resolution), the reports a user chose (report_choice),
a question split into parts (decompose), a follow-up made stand-alone (followup), acronyms read
as the names reports write (glossary), and the terms and weights sentences are matched with
(focus)."""
