"""The admin site: practice admins manage their own practice's users and assignments.

A superuser (a deployment operator) sees every practice. Clinical records are deliberately
not registered here: they are read through the application, where access is scoped and logged.
Every other ModelAdmin is for the superuser only (accounts/admin_site.py).
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.db.models import Q

from accounts.models import Practice, Role, SupervisionAssignment, User
from common.dates import datetime_text

# A user field named after a role offers users of that role only (forms, filters, autocomplete).
ROLE_OF_FIELD = {"therapist": Role.THERAPIST, "supervisor": Role.SUPERVISOR}


class PracticeRelatedListFilter(admin.RelatedFieldListFilter):
    """A related-object filter whose choices are what the related model's admin lists.

    Django's own offers every row of the related table, whichever practice it belongs to.
    """

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = self.choosable(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to=Q(pk__in=rows.values("pk"))
        )

    def choosable(self, field, request, model_admin):
        related = field.related_model
        related_admin = model_admin.admin_site._registry.get(related)
        if getattr(related_admin, "practice_scoped", False):
            return related_admin.get_queryset(request)
        return (
            related._default_manager.all() if request.user.is_superuser else related._default_manager.none()
        )


class RoleListFilter(PracticeRelatedListFilter):
    """The practice's users of the role the field is named after ("By supervisor": supervisors)."""

    def choosable(self, field, request, model_admin):
        return super().choosable(field, request, model_admin).filter(role=ROLE_OF_FIELD[field.name])


class PracticeScopedAdmin(admin.ModelAdmin):
    """Rows of the practice admin's own practice only; ``practice`` is set, never chosen."""

    practice_scoped = True  # accounts/admin_site.py: anything else is for the superuser only

    def get_queryset(self, request):
        return self.model.objects.for_user(request.user)

    def get_list_filter(self, request):
        # Every related-object filter lists the practice's own rows, even one added without thought.
        specs = []
        for spec in super().get_list_filter(request):
            if isinstance(spec, str) and get_fields_from_path(self.model, spec)[-1].is_relation:
                spec = (spec, PracticeRelatedListFilter)
            specs.append(spec)
        return specs

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
        if not request.user.is_superuser:
            kwargs["queryset"] = self.choosable(db_field, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = self.choosable(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def choosable(self, db_field, request):
        """What a practice admin may pick for a relation: their practice's active users of the
        field's role, or what the related model's own scoped admin lists, else nothing."""
        related = db_field.related_model
        if related is User:
            users = User.objects.for_user(request.user).filter(is_active=True)
            role = ROLE_OF_FIELD.get(db_field.name)
            return users.filter(role=role) if role else users
        related_admin = self.admin_site._registry.get(related)
        if getattr(related_admin, "practice_scoped", False):
            return related_admin.get_queryset(request)
        return related._default_manager.none()


class PracticeUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "role")


@admin.register(User)
class UserAdmin(PracticeScopedAdmin, DjangoUserAdmin):
    add_form = PracticeUserCreationForm
    list_display = ("username", "full_name", "role", "practice", "is_active", "last_sign_in")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)

    practice_admin_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
        # A pre-licensed clinician or intern: their signed entries wait for their supervisor's co-signature.
        ("Co-signature", {"fields": ("cosign_required_from",)}),
    )
    superuser_fieldsets = (
        *practice_admin_fieldsets[:2],
        ("Role", {"fields": ("role", "practice", "is_active", "is_staff", "is_superuser")}),
        *practice_admin_fieldsets[3:],
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

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description="Last sign-in", ordering="last_login", empty_value="Never")
    def last_sign_in(self, obj):
        # The practice's DATETIME_FORMAT, short enough for its column (en-us's "Dec. 2, 2026, 6:36 p.m."
        # ran off the end of the table).
        return datetime_text(obj.last_login) if obj.last_login else None

    def get_list_display(self, request):
        # A practice admin's list is all one practice: the column would only take room.
        display = super().get_list_display(request)
        return display if request.user.is_superuser else [name for name in display if name != "practice"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if match is not None and match.view_name == "admin:autocomplete" and not request.user.is_superuser:
            # The same choices as the form's select (PracticeScopedAdmin.choosable).
            queryset = queryset.filter(is_active=True)
            role = ROLE_OF_FIELD.get(request.GET.get("field_name", ""))
            if role:
                queryset = queryset.filter(role=role)
        return queryset, may_have_duplicates

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
    list_filter = (("supervisor", RoleListFilter), ("therapist", RoleListFilter))
    list_select_related = ("supervisor", "therapist")
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
