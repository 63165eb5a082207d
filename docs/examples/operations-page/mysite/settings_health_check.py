# mysite/settings.py: add at the end
# Ships the template of its HTML view; startproject's TEMPLATES already has APP_DIRS.
INSTALLED_APPS.append("health_check")
