"""Users and role grants in Django's admin (/admin/), for system administrators.

Changes made here are audited like the same changes made in the app: grants go through
``services.grant_add`` / ``grant_revoke``; user creation and edits write ``user.created`` /
``user.updated``; a password set here writes ``user.password_changed`` (and, like every
password change, revokes the user's API tokens).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.accounts import services
from kiemdiem.accounts.models import Grant, User
from kiemdiem.audit.services import log_action


class GrantInline(admin.TabularInline):
    """The user's grants, read-only here: add and revoke them on the Grants page (audited)."""

    model = Grant
    fields = ["role", "unit", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (gettext_lazy("Person and language"), {"fields": ["person", "language"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (gettext_lazy("Person and language"), {"fields": ["person", "language"]}),
    ]
    raw_id_fields = ["person"]
    list_display = ["username", "person", "language", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "language"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [GrantInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if "password" not in name]
        if not change:
            log_action(
                "user.created",
                actor=request.user,
                target=obj,
                data={"username": obj.username, "person": obj.person_id, "via": "admin"},
            )
        elif changed:
            log_action(
                "user.updated",
                actor=request.user,
                target=obj,
                data={"fields": sorted(changed), "via": "admin"},
            )

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=unquote(id))
                services.password_changed(user=user, actor=request.user)
        return response


class GrantAdminForm(forms.ModelForm):
    class Meta:
        model = Grant
        fields = ["user", "role", "unit"]

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if unit is not None and not unit.is_active:
            raise forms.ValidationError(_("This unit has been dissolved."))
        return unit


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    """Grants are added and revoked, never edited: revoke and grant anew to change one."""

    form = GrantAdminForm
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    raw_id_fields = ["user", "unit"]  # 300,000 units: no drop-down
    list_select_related = ["user", "unit"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "unit", "created_at"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:  # nothing is editable on an existing grant
            return
        grant = services.grant_add(user=obj.user, role=obj.role, unit=obj.unit, actor=request.user)
        obj.pk = grant.pk
        obj.created_at = grant.created_at

    def delete_model(self, request, obj):
        services.grant_revoke(grant=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("user", "unit"):
            services.grant_revoke(grant=grant, actor=request.user)
