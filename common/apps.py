from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from common import authentication, deadlines

        deadlines.connect_signals()
        authentication.connect_signals()
