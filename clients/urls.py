from django.urls import path

from clients import emergency, views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/discharge/", views.client_discharge, name="discharge"),
    path("<int:pk>/archive/", views.client_archive, name="archive"),
    path("<int:pk>/restore/", views.client_restore, name="restore"),
]

# Served under /accounts/ in the accounts namespace (config/urls.py), where a practice admin
# manages people; the grants themselves are about clients.
emergency_urlpatterns = [
    path("emergency-access/", emergency.emergency_access, name="emergency_access"),
    path(
        "emergency-access/<int:pk>/revoke/",
        emergency.emergency_access_revoke,
        name="emergency_access_revoke",
    ),
]

# Served under /practice/ in the practice namespace (config/urls.py), beside the practice's
# settings, where the admin sets the pattern these codes are checked against.
practice_urlpatterns = [
    path("client-codes/", views.client_code_review, name="client_codes"),
]
