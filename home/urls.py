from django.urls import path

from home import export, views

urlpatterns = [
    path("", views.home, name="home"),
]

# Served under /clients/ in the clients namespace (config/urls.py): the pages about one client
# that read every app's records.
client_urlpatterns = [
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/timeline/", views.client_timeline, name="timeline"),
    path("<int:pk>/export/", export.client_export, name="export"),
    path("<int:pk>/export.json", export.client_export_json, name="export_json"),
    path("<int:pk>/export.pdf", export.client_export_pdf, name="export_pdf"),
]
