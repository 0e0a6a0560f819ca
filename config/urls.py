from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from config import health

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("clients/", include("clients.urls")),
    path("", include("boundaries.urls")),
    path("", include("sessions_log.urls")),
    path("supervision/", include("supervision.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin site's).
    path("favicon.ico", health.favicon, name="favicon"),
]

# A database outage before any view runs (reading the session or the user) is a 503, not a 500.
handler500 = "config.middleware.server_error"
