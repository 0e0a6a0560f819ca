from django.apps import AppConfig


class CalendarSyncConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calendar_sync"
    verbose_name = "Calendar sync"
