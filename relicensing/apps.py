from django.apps import AppConfig


class RelicensingConfig(AppConfig):
    name = "relicensing"
    verbose_name = "Catalog and relicensing"
