"""A reusable app that ships a critical consumer named "consumer": a name a project may use too."""
