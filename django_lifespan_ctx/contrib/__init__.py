"""Optional integrations: one module each, imported only by projects that opt in.

Each module imports its dependency at the top and, when it is missing, raises
an ImportError that names the extra to install (``_config/extras.py``).
"""
