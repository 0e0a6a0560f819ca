from django.urls import path

from calendar_sync import views

app_name = "calendar_sync"

urlpatterns = [
    path("", views.calendar_home, name="calendar"),
    path("events/<int:pk>/match/", views.event_match, name="event_match"),
    path("events/<int:pk>/ignore/", views.event_ignore, name="event_ignore"),
    path("feed/", views.feed_token_issue, name="feed_token_issue"),
    path("feed/revoke/", views.feed_token_revoke, name="feed_token_revoke"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<int:pk>/", views.feed_set, name="feed_set"),
    path("feeds/<int:pk>/pull/", views.feed_pull, name="feed_pull"),
]
