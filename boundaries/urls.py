from django.urls import path

from boundaries import acknowledgement_views, views, wording_views

app_name = "boundaries"

urlpatterns = [
    path("agreements/<int:pk>/", views.agreement_detail, name="detail"),
    path("agreements/<int:pk>/revise/", views.agreement_revise, name="revise"),
    path("agreements/<int:pk>/end/", views.agreement_end, name="end"),
    path("clients/<int:client_pk>/agreements/new/", views.agreement_add, name="add"),
    path("clients/<int:client_pk>/agreement/print/", views.agreement_print, name="print"),
    path("clients/<int:client_pk>/agreement.pdf", views.agreement_pdf, name="pdf"),
    path(
        "clients/<int:client_pk>/acknowledgement/new/",
        acknowledgement_views.acknowledgement_new,
        name="acknowledge",
    ),
    path(
        "clients/<int:client_pk>/acknowledgement/signing/start/",
        acknowledgement_views.signing_start,
        name="signing_start",
    ),
    path("clients/<int:client_pk>/acknowledgement/signing/", acknowledgement_views.signing, name="signing"),
    path(
        "clients/<int:client_pk>/acknowledgement/signing/leave/",
        acknowledgement_views.signing_leave,
        name="signing_leave",
    ),
    path("acknowledgements/<int:pk>/", acknowledgement_views.acknowledgement_detail, name="acknowledgement"),
    path(
        "acknowledgements/<int:pk>/file/",
        acknowledgement_views.acknowledgement_file,
        name="acknowledgement_file",
    ),
    path(
        "acknowledgements/<int:pk>/withdraw/",
        acknowledgement_views.acknowledgement_withdraw,
        name="acknowledgement_withdraw",
    ),
]

# Served under /clients/ in the clients namespace (config/urls.py): the intake records a client
# with their agreements, so it stands on this floor.
intake_urlpatterns = [
    path("new/", views.client_intake, name="intake"),
]

# Served under /practice/ in the practice namespace (config/urls.py), beside the practice's
# settings: the admin keeps the library of standard wordings the agreement forms offer.
practice_urlpatterns = [
    path("wordings/", wording_views.wording_list, name="wordings"),
    path("wordings/new/", wording_views.wording_new, name="wording_new"),
    path("wordings/<int:pk>/", wording_views.wording_edit, name="wording_edit"),
    path("wordings/<int:pk>/delete/", wording_views.wording_delete, name="wording_delete"),
]
