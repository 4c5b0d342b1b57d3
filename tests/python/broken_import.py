"""broken_import.py: a plugin module that fails while being imported (scan_python_test)."""

raise RuntimeError("plugin refuses to load")
