from django.apps import AppConfig


class SessionsLogConfig(AppConfig):
    name = "sessions_log"
    verbose_name = "Sessions log"

    def ready(self) -> None:
        from clients.signals import archive_requested
        from sessions_log import receivers

        archive_requested.connect(receivers.unsigned_entries, dispatch_uid="sessions_log.unsigned_entries")
