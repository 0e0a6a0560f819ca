from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_intake, name="intake"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/discharge/", views.client_discharge, name="discharge"),
    path("<int:pk>/timeline/", views.client_timeline, name="timeline"),
]
