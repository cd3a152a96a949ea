"""gunicorn's settings file (`gunicorn -c python:config.gunicorn ...`): the master process logs
as everything else does (config.logs), not only the workers once they have loaded Django."""

import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Read here, before Django is set up: the settings module alone, which does not touch the database.
logconfig_dict = settings.LOGGING
