"""The admin site: practice admins manage their own practice's users and assignments.

A superuser (a deployment operator) sees every practice. Clinical records are deliberately
not registered here: they are read through the application, where access is scoped and logged.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from accounts.models import Practice, Role, SupervisionAssignment, User


class PracticeScopedAdmin(admin.ModelAdmin):
    """Rows of the practice admin's own practice only; ``practice`` is set, never chosen."""

    def get_queryset(self, request):
        return self.model.objects.for_user(request.user)

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Accounts and assignments are kept for the record: end or deactivate them instead.
        return request.user.is_superuser

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append("practice")
        return exclude

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.user.is_superuser:
            return form
        practice = request.user.practice

        class PracticeForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                # Set before validation, so model.clean() checks the right practice.
                self.instance.practice = practice

        return PracticeForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is User and not request.user.is_superuser:
            role = {"therapist": Role.THERAPIST, "supervisor": Role.SUPERVISOR}.get(db_field.name)
            users = User.objects.filter(practice_id=request.user.practice_id, is_active=True)
            kwargs["queryset"] = users.filter(role=role) if role else users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PracticeUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "role")


@admin.register(User)
class UserAdmin(PracticeScopedAdmin, DjangoUserAdmin):
    add_form = PracticeUserCreationForm
    list_display = ("username", "get_full_name", "role", "practice", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)

    practice_admin_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (
        *practice_admin_fieldsets[:2],
        ("Role", {"fields": ("role", "practice", "is_active", "is_staff", "is_superuser")}),
        practice_admin_fieldsets[3],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "first_name", "last_name", "email", "role", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fieldsets = self.add_fieldsets
            if request.user.is_superuser:
                fieldsets = ((None, {**fieldsets[0][1], "fields": (*fieldsets[0][1]["fields"], "practice")}),)
            return fieldsets
        return self.superuser_fieldsets if request.user.is_superuser else self.practice_admin_fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and request.user.is_superuser:
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)


@admin.register(SupervisionAssignment)
class SupervisionAssignmentAdmin(PracticeScopedAdmin):
    list_display = ("supervisor", "therapist", "starts_on", "ends_on", "current")
    list_filter = ("supervisor",)
    fields = ("practice", "therapist", "supervisor", "starts_on", "ends_on")

    @admin.display(boolean=True)
    def current(self, obj):
        return obj.is_current()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not request.user.is_superuser:
            fields = [name for name in fields if name != "practice"]
        return fields


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    """Practices are created by the deployment's superuser; the default permissions say so."""

    list_display = ("name", "time_zone", "usual_session_minutes")
