"""The site's URLs.

Three namespaces are served by more than one floor, so that every page keeps its address while
its view stands on the floor that may import what it shows: ``clients`` (the client's own pages
from clients/, the intake from boundaries/, the client page, timeline and export from home/),
``accounts`` (sign-in and two-factor from accounts/, emergency access from clients/) and
``practice`` (the settings from accounts/, the client codes to correct from clients/, the
standard agreement wordings from boundaries/). The audit trail (``audit``) is served from home/,
which may read every app's change history.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import urls as accounts_urls
from boundaries import urls as boundaries_urls
from clients import urls as clients_urls
from common import health
from home import urls as home_urls

accounts_patterns = accounts_urls.urlpatterns + clients_urls.emergency_urlpatterns
practice_patterns = (
    accounts_urls.practice_urlpatterns
    + clients_urls.practice_urlpatterns
    + boundaries_urls.practice_urlpatterns
)
clients_patterns = (
    clients_urls.urlpatterns + boundaries_urls.intake_urlpatterns + home_urls.client_urlpatterns
)

urlpatterns = [
    path("", include(home_urls)),
    path("accounts/", include((accounts_patterns, "accounts"))),
    path("clients/", include((clients_patterns, "clients"))),
    path("", include("boundaries.urls")),
    path("", include("sessions_log.urls")),
    path("supervision/", include("supervision.urls")),
    path("calendar/", include("calendar_sync.urls")),
    path("audit/", include((home_urls.audit_urlpatterns, "audit"))),
    path("practice/", include((practice_patterns, "practice"))),
    path("admin/", admin.site.urls),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin site's).
    path("favicon.ico", health.favicon, name="favicon"),
]
if settings.DEMO_SAMPLES:
    # The demo's sample calendar file (demo/views.py), where demo data was loaded on purpose.
    urlpatterns.append(path("demo/", include("demo.urls")))

# A database outage before any view runs (reading the session or the user) is a 503, not a 500.
handler500 = "common.middleware.server_error"
