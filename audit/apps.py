from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from audit import receivers
        from clients.signals import client_viewed

        client_viewed.connect(receivers.record_client_viewed, dispatch_uid="audit.record_client_viewed")
