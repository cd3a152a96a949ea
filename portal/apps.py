from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Pages and API answers that gather from several areas"

    def ready(self) -> None:
        from portal.webhook_payloads import payload_builders_register

        payload_builders_register()
