"""Reads of a key the state type lacks, and typed keys read or overridden as the wrong type:
mypy and pyright must both reject them.

`python -m tests.typing_negative` (run by `make lint`) proves that typing the
state catches such reads, in views (LifespanHttpRequest), current_state(T),
LifespanCommand[T], start_in_thread(T), worker_lifespan(T) and the test helpers;
and that a Protocol without StateMapping has no len(). It fails unless each
checker reports an error on exactly the lines marked `# error`, and nowhere else.
"""
