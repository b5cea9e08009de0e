"""The 问答 tab (web.py, render.py, table_view.py) and `kb ask`/`kb chat` in the terminal (terminal.py)."""
