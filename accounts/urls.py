from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import reauth, two_factor, views
from accounts.forms import PasswordResetForm

app_name = "accounts"

urlpatterns = [
    path("login/", two_factor.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", reauth.PasswordChangeView.as_view(), name="password_change"),
    path("password/confirm/", reauth.confirm_password, name="confirm_password"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("two-factor/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", two_factor.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("two-factor/disable/", two_factor.two_factor_disable, name="two_factor_disable"),
]

# Served under /practice/ in the practice namespace (config/urls.py).
practice_urlpatterns = [
    path("settings/", views.practice_settings, name="settings"),
]
