"""The data behind the sample's stand-in for an external books API."""

BOOKS = [
    {"id": 1, "title": "Two Scoops of Django", "author": "Daniel and Audrey Feldroy", "year": 2024},
    {"id": 2, "title": "Fluent Python", "author": "Luciano Ramalho", "year": 2022},
    {"id": 3, "title": "Architecture Patterns with Python", "author": "Harry Percival and Bob Gregory", "year": 2020},
]
