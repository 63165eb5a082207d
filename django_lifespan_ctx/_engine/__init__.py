"""The one engine under every surface: plan, owners, runner, hosts, deadlines, threads, signals, observers.

Private: import the public names from ``django_lifespan_ctx`` and its surface modules.
"""
