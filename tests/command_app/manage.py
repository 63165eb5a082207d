#!/usr/bin/env python
"""The tests' manage.py, run as a real process by the LifespanCommand tests."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sites.command_settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
