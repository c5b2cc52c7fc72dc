"""Sign-in, password, language and the user's own account (the access pages are ``web.access``)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemdiem.accounts import services
from kiemdiem.accounts.models import User
from kiemdiem.common.views import render_page


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # Remember the user's language for the pages before the user is known (login page).
        response.set_cookie("django_language", form.get_user().language, samesite="Lax")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=self.request.user, actor=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@require_POST
def set_language(request):
    """Switch the UI language; stored on the user when signed in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    if language not in dict(User._meta.get_field("language").choices):
        language = "vi"
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language, actor=request.user)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie("django_language", language, samesite="Lax")
    translation.activate(language)
    return response


@login_required
def account(request):
    grants = request.user.grants.select_related("unit").order_by("unit__path")
    context = {"grants": grants, "token_count": services.tokens_of(request.user).count()}
    return render_page(request, "accounts/account.html", context)


@login_required
def token_list(request):
    """The user's API tokens (created, expiry, first characters), each with a revoke button."""
    tokens = services.tokens_of(request.user)
    if request.method == "POST":
        token = tokens.filter(token_key=request.POST.get("revoke", "")).first()
        if token is not None:
            services.token_revoke(token=token, actor=request.user)
            messages.success(request, _("Token revoked."))
        return redirect("account-tokens")
    return render_page(request, "accounts/tokens.html", {"tokens": tokens})


@require_POST
@login_required
def sign_out_everywhere(request):
    """End every session of the user (this one too) and delete all their API tokens."""
    count = services.sign_out_everywhere(user=request.user, actor=request.user)
    logout(request)
    messages.success(
        request,
        _("Signed out everywhere; %(count)s API tokens revoked. Sign in again.") % {"count": count},
    )
    return redirect("login")
