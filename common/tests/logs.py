"""Log records as the console handler writes them: through LOGGING's filters and JSON formatter,
so tests read the lines production writes, not the records' message text."""

import json
import logging
import logging.config

from django.conf import settings

from common.mail import HideQueuedMail


def json_formatter() -> logging.Formatter:
    """The console handler's formatter, built from the live LOGGING setting."""
    config = dict(settings.LOGGING["formatters"]["json"])  # the configurator pops "()" from it
    return logging.config.DictConfigurator(settings.LOGGING).configure_formatter(config)


def json_line(record: logging.LogRecord) -> str:
    """The line the console handler prints for ``record``."""
    HideQueuedMail().filter(record)
    return json_formatter().format(record)


def security_events(caplog) -> list[dict]:
    """Every ``alliance.security`` line captured, parsed back from its JSON."""
    return [json.loads(json_line(record)) for record in caplog.records if record.name == "alliance.security"]
