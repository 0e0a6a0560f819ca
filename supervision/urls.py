from django.urls import path

from supervision import cosign_views, meeting_views, views

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
    # Supervision meetings and the supervision log (supervision/meeting_views.py)
    path("meetings/", meeting_views.meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/cancel/", meeting_views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/agenda/", meeting_views.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item>/remove/", meeting_views.agenda_remove, name="agenda_remove"),
    path("meetings/<int:pk>/agenda/<int:item>/move/", meeting_views.agenda_move, name="agenda_move"),
    path(
        "meetings/<int:pk>/agenda/<int:item>/follow-up/",
        meeting_views.item_follow_up,
        name="item_follow_up",
    ),
    path("meetings/<int:pk>/minutes/", meeting_views.minutes_save, name="minutes_save"),
    path("meetings/<int:pk>/sign/", meeting_views.meeting_sign, name="meeting_sign"),
    path("meetings/<int:pk>/acknowledge/", meeting_views.minutes_acknowledge, name="minutes_acknowledge"),
    path("meetings/<int:pk>/addendum/", meeting_views.meeting_addendum, name="meeting_addendum"),
    path("log/", meeting_views.supervision_log, name="supervision_log"),
    path("log.csv", meeting_views.supervision_log_csv, name="supervision_log_csv"),
    path("log.pdf", meeting_views.supervision_log_pdf, name="supervision_log_pdf"),
    # Co-signature of the entries of supervisees who need it (supervision/cosign_views.py)
    path("cosign/", cosign_views.cosign_queue, name="cosign_queue"),
    path("cosign/<str:kind>/<int:pk>/", cosign_views.entry_cosign, name="entry_cosign"),
    path("cosign/<str:kind>/<int:pk>/return/", cosign_views.entry_cosign_return, name="entry_cosign_return"),
]
