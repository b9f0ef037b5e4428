# Load the Celery app with Django, so @shared_task binds to it (the usual Celery-with-Django set-up).
from .celery import app as celery_app

__all__ = ("celery_app",)
