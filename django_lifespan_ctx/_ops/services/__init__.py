"""background() and every(): services the lifespan starts, supervises and stops.

spec.py is what the entries are (checked as written in settings.py), supervisor.py
runs one, and schedule.py decides when it runs again.
"""
