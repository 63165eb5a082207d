# reviews/apps.py
from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    lifespan_contexts = ["reviews.lifespan.reviews_client"]
