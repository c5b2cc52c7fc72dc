"""The access pages: who has a login and which role on which unit.

They live in ``web``, above the apps they bring together: the users and grants of
``accounts``, the unit field of ``orgtree`` and the person of ``people`` (``accounts`` sits
below the tree, so its own pages cannot pick a unit or a person).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.accounts import services
from kiemdiem.accounts.models import Grant, Role, User
from kiemdiem.accounts.permissions import has_any, restrict
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import paginate, render_page
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.people.policies import may_change_person
from kiemdiem.people.selectors import person_get


class NewUserForm(ScopedForm):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("The person should change it after the first sign-in."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    unit = UnitCodeField(label=gettext_lazy("On unit (code)"), action="manage_access")

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


@login_required
def user_create_for_person(request, person_pk):
    """Give a person a login and a first role, in one step."""
    if not has_any(request.user, "manage_access"):
        return render_page(request, "403.html", {}, status=403)
    person = person_get(request.user, person_pk)
    if not may_change_person(request.user, person):
        # A login opens the person's own record: only where their membership (or work) is.
        raise Http404
    if User.objects.filter(person=person).exists():
        messages.info(request, _("This person already has a login."))
        return redirect("person-detail", pk=person.pk)
    form = NewUserForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                new_user = services.user_create(
                    username=data["username"],
                    password=data["password"],
                    person=person,
                    actor=request.user,
                )
                services.grant_add(
                    user=new_user, role=data["role"], unit=data["unit"], actor=request.user
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Login %(username)s created.") % {"username": new_user.username}
            )
            return redirect("user-detail", pk=new_user.pk)
    context = {
        "form": form,
        "title": _("Create a login for %(name)s") % {"name": person.full_name},
        "back_url": reverse("person-detail", args=[person.pk]),
        "back_label": person.full_name,
    }
    return render_page(request, "form_page.html", context, status=400 if form.errors else 200)


class GrantForm(ScopedForm):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    unit = UnitCodeField(label=gettext_lazy("On unit (code)"), action="manage_access")


@login_required
def user_list(request):
    """Users holding a role inside the subtree the manager may manage."""
    if not has_any(request.user, "manage_access"):
        return render_page(request, "403.html", {}, status=403)
    grants = restrict(Grant.objects.all(), request.user, "manage_access")
    users = User.objects.filter(pk__in=grants.values("user_id")).order_by("username")
    context = {"page": paginate(request, users.prefetch_related("grants__unit"))}
    return render_page(request, "accounts/user_list.html", context)


@login_required
def user_detail(request, pk):
    if not has_any(request.user, "manage_access"):
        return render_page(request, "403.html", {}, status=403)
    grants = restrict(Grant.objects.all(), request.user, "manage_access")
    user = User.objects.filter(pk__in=grants.values("user_id"), pk=pk).first()
    if user is None:
        raise Http404
    form = GrantForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if "revoke" in request.POST:
            grant = grants.filter(pk=request.POST["revoke"], user=user).first()
            if grant:
                services.grant_revoke(grant=grant, actor=request.user)
                messages.success(request, _("Role revoked."))
            return redirect("user-detail", pk=user.pk)
        if form.is_valid():
            try:
                services.grant_add(user=user, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Role granted."))
                return redirect("user-detail", pk=user.pk)
    context = {
        "managed": user,
        "grants": user.grants.select_related("unit").order_by("unit__path"),
        "manageable": set(grants.filter(user=user).values_list("pk", flat=True)),
        "form": form,
    }
    return render_page(
        request, "accounts/user_detail.html", context, status=400 if form.errors else 200
    )
