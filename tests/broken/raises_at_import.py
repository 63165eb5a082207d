"""A module that fails while being imported, as a half-configured dependency does."""

raise RuntimeError("this module cannot be imported: its settings are missing")
