"""Alliance's own system checks."""

from common.checks import CONSOLE, mail_is_not_printed_in_production


def test_mail_printed_to_the_log_with_debug_off_is_an_error(settings):
    settings.DEBUG = False
    settings.EMAIL_DELIVERY_BACKEND = CONSOLE
    settings.EMAIL_TO_CONSOLE = False

    [error] = mail_is_not_printed_in_production(None)

    assert error.id == "alliance.E001"
    assert "password-reset links" in error.msg


def test_it_is_allowed_when_asked_for_with_debug_or_with_a_mail_server(settings):
    settings.DEBUG = False
    settings.EMAIL_DELIVERY_BACKEND = CONSOLE
    settings.EMAIL_TO_CONSOLE = True
    assert mail_is_not_printed_in_production(None) == []

    settings.EMAIL_TO_CONSOLE = False
    settings.DEBUG = True
    assert mail_is_not_printed_in_production(None) == []

    settings.DEBUG = False
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert mail_is_not_printed_in_production(None) == []
