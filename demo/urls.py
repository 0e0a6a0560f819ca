from django.urls import path

from demo import views

app_name = "demo"

urlpatterns = [
    path("sample-calendar.ics", views.sample_calendar_file, name="sample_calendar"),
]
