from django.contrib import admin
from django.urls import reverse
from django_otp import user_has_device

from accounts.models import Role
from accounts.two_factor import is_verified, redirect_with_next, two_factor_required_for


class AllianceAdminSite(admin.AdminSite):
    site_header = "Alliance administration"
    site_title = "Alliance administration"
    index_title = "Users, supervision and practice settings"

    def has_permission(self, request):
        user = request.user
        return (
            user.is_active
            and (user.is_superuser or (user.role == Role.PRACTICE_ADMIN and user.practice_id is not None))
            and (is_verified(user) or not two_factor_required_for(user))
        )

    def login(self, request, extra_context=None):
        """A signed-in admin who still owes a second factor is sent to give it, not shown a refusal."""
        user = request.user
        may_administer = user.is_active and (user.is_superuser or user.role == Role.PRACTICE_ADMIN)
        if may_administer and two_factor_required_for(user) and not is_verified(user):
            target = "accounts:two_factor_verify" if user_has_device(user) else "accounts:two_factor_setup"
            return redirect_with_next(target, request.GET.get("next", reverse("admin:index")))
        return super().login(request, extra_context)
