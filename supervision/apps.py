from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from clients.signals import archive_requested, records_changed
        from sessions_log.signals import entry_revised
        from supervision import receivers

        records_changed.connect(receivers.evaluate_after_save, dispatch_uid="supervision.evaluate_after_save")
        archive_requested.connect(receivers.open_flags, dispatch_uid="supervision.open_flags")
        entry_revised.connect(receivers.note_entry_revised, dispatch_uid="supervision.note_entry_revised")
