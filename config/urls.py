from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("clients/", include("clients.urls")),
    path("", include("boundaries.urls")),
    path("", include("sessions_log.urls")),
    path("admin/", admin.site.urls),
]
