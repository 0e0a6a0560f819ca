from django.contrib import admin

from accounts.models import Role


class AllianceAdminSite(admin.AdminSite):
    site_header = "Alliance administration"
    site_title = "Alliance administration"
    index_title = "Users, supervision and practice settings"

    def has_permission(self, request):
        user = request.user
        return user.is_active and (
            user.is_superuser or (user.role == Role.PRACTICE_ADMIN and user.practice_id is not None)
        )
