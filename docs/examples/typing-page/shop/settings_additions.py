# shop/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

INSTALLED_APPS.insert(0, "django_lifespan_ctx")
# The project's own package, as an app: Django finds its management command there.
# reviews ships its own context (reviews/apps.py): LIFESPAN_CONTEXTS does not list it.
INSTALLED_APPS += ["shop", "reviews"]

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["shop.lifespan.shop_data"]
# What views type request.state as; startup fails unless the contexts yield it.
LIFESPAN_STATE_TYPE = "shop.state.ShopState"
