from django.urls import path

from boundaries import views

app_name = "boundaries"

urlpatterns = [
    path("agreements/<int:pk>/", views.agreement_detail, name="detail"),
    path("agreements/<int:pk>/revise/", views.agreement_revise, name="revise"),
    path("agreements/<int:pk>/end/", views.agreement_end, name="end"),
    path("agreements/<int:pk>/acknowledge/", views.agreement_acknowledge, name="acknowledge"),
    path("clients/<int:client_pk>/agreements/new/", views.agreement_add, name="add"),
    path("clients/<int:client_pk>/agreement/print/", views.agreement_print, name="print"),
    path("clients/<int:client_pk>/agreement.pdf", views.agreement_pdf, name="pdf"),
]

# Served under /clients/ in the clients namespace (config/urls.py): the intake records a client
# with their agreements, so it stands on this floor.
intake_urlpatterns = [
    path("new/", views.client_intake, name="intake"),
]
