from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the sign-in clock of the session limits to user_logged_in.
        from accounts import middleware  # noqa: F401


class AllianceAdminConfig(admin_apps.AdminConfig):
    """Installs ``AllianceAdminSite`` as ``admin.site``, so ``@admin.register`` uses it."""

    default = False
    default_site = "accounts.admin_site.AllianceAdminSite"
