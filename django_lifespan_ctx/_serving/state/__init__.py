"""The request's state, in one home.

scope.py wraps a scope's state dict in a State (the one place that does, but for
request.py's inlined copy on the request path) and keeps this process's state for
scopes without one; request.py gives it to views as ``request.state`` and types it;
lookups.py finds it anywhere a request, lifespan, thread or worker runs
(``current_state()``); missing.py explains ``request.state`` on a request our handler
did not serve; overrides.py holds a test's fakes.
"""
