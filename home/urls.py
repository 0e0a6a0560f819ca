from django.urls import path

from home import export, trail, views

urlpatterns = [
    path("", views.home, name="home"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up_detail"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
]

# Served under /clients/ in the clients namespace (config/urls.py): the pages about one client
# that read every app's records.
client_urlpatterns = [
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/timeline/", views.client_timeline, name="timeline"),
    path("<int:pk>/follow-ups/new/", views.follow_up_new, name="follow_up_new"),
    path("<int:pk>/export/", export.client_export, name="export"),
    path("<int:pk>/export.json", export.client_export_json, name="export_json"),
    path("<int:pk>/export.pdf", export.client_export_pdf, name="export_pdf"),
]

# Served under /audit/ in the audit namespace (config/urls.py): the trail reads every app's
# history, so its view stands here rather than in audit/.
audit_urlpatterns = [
    path("", trail.trail, name="trail"),
    path("trail.csv", trail.trail_csv, name="trail_csv"),
]
