# mysite/settings.py: add at the end
from django_lifespan_ctx.contexts import every

# A cache, and a periodic job that refreshes it every 5 seconds.
LIFESPAN_CONTEXTS += [
    "mysite.featured.featured_cache",
    every(5, "mysite.featured.refresh_featured", name="featured-book"),
]
FEATURED_BOOK_URL = "https://api.example.com/books/featured/"
