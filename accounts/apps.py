from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connect the session limits, the security log and two-factor to the sign-in signals.
        from accounts import middleware, security_log, two_factor  # noqa: F401

        # The ground floor's system checks (common/ is no app and has no ready() of its own).
        from common import checks  # noqa: F401


class AllianceAdminConfig(admin_apps.AdminConfig):
    """Installs ``AllianceAdminSite`` as ``admin.site``, so ``@admin.register`` uses it."""

    default = False
    default_site = "accounts.admin_site.AllianceAdminSite"
