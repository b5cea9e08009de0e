"""Figure answers and tables: the extractive answerer (answer.ExtractiveAnswerer), figures read
in Chinese text (numbers), what a figure measures (indicator), the figure that answers (lead),
the answer's text (compose), answers to a question's parts merged (merge), a figure per year or
place read into rows (series) and their table (table), and a question's extractive route through
all of these (extractive)."""
