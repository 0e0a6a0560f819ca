from django.contrib import admin

from audit.models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Read-only, and for the deployment superuser: practice admins read their trail in Alliance."""

    list_display = ["at", "practice", "user", "action", "object_type", "object_id", "client", "ip"]
    list_filter = ["action", "practice"]
    list_select_related = ["practice", "user", "client"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
