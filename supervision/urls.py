from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("acknowledge/", views.flags_acknowledge, name="flags_acknowledge"),
    path("mine/", views.my_flags, name="my_flags"),
    path("supervisees/<int:pk>/", views.supervisee, name="supervisee"),
    path("practice/", views.admin_dashboard, name="admin_dashboard"),
    path("practice/mail/<int:pk>/requeue/", views.mail_requeue, name="mail_requeue"),
    path("flags/<int:pk>/", views.flag_detail, name="flag_detail"),
    path("flags/<int:pk>/acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<int:pk>/comment/", views.flag_comment, name="flag_comment"),
    path("flags/<int:pk>/return/", views.flag_return, name="flag_return"),
    path("flags/<int:pk>/classify/", views.flag_classify, name="flag_classify"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
    path("flags/<int:pk>/escalate/", views.flag_escalate, name="flag_escalate"),
    path("flags/<int:pk>/reply/", views.flag_reply, name="flag_reply"),
    path("rules/", views.rule_settings, name="rule_settings"),
    path("rules/<str:code>/", views.rule_setting_edit, name="rule_setting_edit"),
    path("export/flags.csv", views.export_flags, name="export_flags"),
    path("export/incidents.csv", views.export_incidents, name="export_incidents"),
]
