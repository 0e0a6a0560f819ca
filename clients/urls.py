from django.urls import path

from clients import export, views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_intake, name="intake"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/discharge/", views.client_discharge, name="discharge"),
    path("<int:pk>/archive/", views.client_archive, name="archive"),
    path("<int:pk>/timeline/", views.client_timeline, name="timeline"),
    path("<int:pk>/export/", export.client_export, name="export"),
    path("<int:pk>/export.json", export.client_export_json, name="export_json"),
    path("<int:pk>/export.pdf", export.client_export_pdf, name="export_pdf"),
]
