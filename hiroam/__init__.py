"""HIROAM: the project package (settings, URLs, Celery app and shared plumbing)."""

from hiroam.celery import app as celery_app

__all__ = ["celery_app"]
