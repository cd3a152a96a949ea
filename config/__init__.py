"""Project configuration: settings, URLs, the API plumbing, the Celery app, WSGI."""

from .celery_app import app as celery_app

__all__ = ("celery_app",)
