"""The Celery application. Its settings are the ``CELERY_*`` names in ``citytour.settings``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citytour.settings")

app = Celery("citytour")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
