"""Access control and the 管理 tab: users and roles (users.py), uploads and deletions (web.py)."""
