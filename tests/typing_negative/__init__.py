"""Views that read a key their state type lacks: mypy and pyright must both reject them.

`python -m tests.typing_negative` (run by `make lint`) proves that typing
request.state with LifespanHttpRequest catches such reads: it fails unless each
checker reports an error on exactly the lines marked `# error`, and nowhere else.
"""
