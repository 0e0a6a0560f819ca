"""System checks of Alliance's own configuration (registered in accounts.apps.ready)."""

from django.conf import settings
from django.core.checks import Error, register

CONSOLE = "django.core.mail.backends.console.EmailBackend"


@register("alliance")
def mail_is_not_printed_in_production(app_configs, **kwargs) -> list[Error]:
    """Without ``EMAIL_HOST`` the worker prints every message to its log, password-reset links
    included: right for trying Alliance (``DEBUG``), never in production unless asked for."""
    if settings.DEBUG or settings.EMAIL_DELIVERY_BACKEND != CONSOLE or settings.EMAIL_TO_CONSOLE:
        return []
    return [
        Error(
            "EMAIL_HOST is not set with DEBUG off: the worker would print every e-mail, password-reset "
            "links included, to its log.",
            hint="Set EMAIL_HOST (with EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD), or "
            "EMAIL_TO_CONSOLE=true to print mail on purpose (docs/DEPLOY.md).",
            id="alliance.E001",
        )
    ]
