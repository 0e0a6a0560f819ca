"""The admin site, tenant-tight by construction.

A ModelAdmin written for practice admins says so with ``practice_scoped = True`` (accounts/admin.py
``PracticeScopedAdmin``): its ``get_queryset`` holds the admin's practice only, and every page,
list filter, autocomplete answer, history, pop-up and raw-id lookup reads through it. Any other
ModelAdmin registered here (an app's or a third-party package's: axes, django-otp, procrastinate,
auth's groups) is for the deployment's superuser only, whatever permissions someone grants: it is
wrapped at registration so that a practice admin gets a refusal that says nothing about which ids
exist. The view-on-site shortcut likewise answers one 404 for another practice's object and for a
missing id.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path, reverse
from django_otp import user_has_device

from accounts.models import Role
from accounts.two_factor import is_verified, redirect_with_next, two_factor_required_for


class SuperuserOnlyAdmin:
    """Mixed in before a ModelAdmin that was not written for practice admins."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # Empty, not merely refused: the history page looks the object up before it checks.
        return queryset if request.user.is_superuser else queryset.none()

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class AllianceAdminSite(admin.AdminSite):
    site_header = "Alliance administration"
    site_title = "Alliance administration"
    index_title = "Users, supervision and practice settings"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not getattr(admin_class, "practice_scoped", False) and not issubclass(
            admin_class, SuperuserOnlyAdmin
        ):
            admin_class = type(
                admin_class.__name__,
                (SuperuserOnlyAdmin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

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

    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        view_on_site = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [view_on_site, *urls]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut, for objects the admin's own ModelAdmin lists; else one plain 404."""
        if not request.user.is_superuser:
            model_admin = self._registry.get(_model_of(content_type_id))
            if not getattr(model_admin, "practice_scoped", False) or not model_admin.has_view_permission(
                request
            ):
                raise Http404
            try:
                listed = model_admin.get_queryset(request).filter(pk=object_id).exists()
            except (ValueError, ValidationError):
                listed = False
            if not listed:
                raise Http404
        return shortcut(request, content_type_id, object_id)


def _model_of(content_type_id):
    try:
        return ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        return None
