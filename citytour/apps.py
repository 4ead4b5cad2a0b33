from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CityTourConfig(AppConfig):
    name = "citytour"
    verbose_name = _("citytour")
    default = True

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks


class CityTourAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "citytour.admin.CityTourAdminSite"
