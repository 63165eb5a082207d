# --8<-- [start:additions]
# mysite/settings.py: add at the end
from django_lifespan_ctx.contexts import every

LIFESPAN_CONTEXTS += [
    every(60, "mysite.services.check_api", name="api-check"),
]
# --8<-- [end:additions]
