from django.urls import path

from sessions_log import views

app_name = "sessions_log"

# Included at the site root: each path is written out in full.
urlpatterns = [
    path("clients/<int:client_pk>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/sign/", views.session_sign, name="session_sign"),
    path("sessions/<int:pk>/addenda/new/", views.session_addendum, name="session_addendum"),
    path("clients/<int:client_pk>/incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/sign/", views.incident_sign, name="incident_sign"),
    path("incidents/<int:pk>/addenda/new/", views.incident_addendum, name="incident_addendum"),
]
