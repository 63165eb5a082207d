"""The sites the tests serve: settings, URLconfs, ASGI modules, views and consumers."""
