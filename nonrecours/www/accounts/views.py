"""Accounts' pages: the landing page after login, the second factor (set-up,
code after the password), the territory's invitations, and the invitation
link's page."""

import base64
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts import access, actions, queries, second_factor
from nonrecours.accounts.enums import InvitationStatus, Role
from nonrecours.accounts.models import Invitation, User
from nonrecours.mailing.watch import mail_watch
from nonrecours.surveys import queries as survey_queries
from nonrecours.territories.models import Territory
from nonrecours.www.accounts.forms import (
    CodeForm,
    InvitationFileForm,
    InvitationForm,
    NewAccountForm,
)
from nonrecours.www.errors import add_to_form
from nonrecours.www.mail_messages import warn_unsent
from nonrecours.www.qr import qr_svg
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.territories.views import territory_or_404

# The referrals' badges, reused: yellow waiting, green done, grey expired, red cancelled.
STATUS_BADGES = {
    InvitationStatus.PENDING: "sent",
    InvitationStatus.ACCEPTED: "accepted",
    InvitationStatus.EXPIRED: "expired",
    InvitationStatus.CANCELLED: "refused",
}
OPEN_STATUSES = (InvitationStatus.PENDING, InvitationStatus.EXPIRED)
SETUP_KEY = "accounts.totp_key"
INVITATION_KEY = "accounts.invitation_totp_key"
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"  # noqa: S105 - a class path


class LoginView(auth_views.LoginView):
    """Django's login (django-axes counts its failures); the page says how
    many wrong passwords lock the account."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}


def _next_url(request: HttpRequest) -> str:
    """Where to go once the step is done: ``next`` if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
def landing(request: AuthenticatedRequest) -> HttpResponse:
    """« Mon espace »: where each role's work starts (LOGIN_REDIRECT_URL;
    Django's login keeps a safe ``next`` first). The choice is
    accounts.queries.landing_for; the team of a territory lands on the
    follow-up of the campaign it collects now, or on the territory's page
    while it has none."""
    where = queries.landing_for(request.user)
    if where.page == queries.LandingPage.BACK_OFFICE:
        return redirect("admin:index")
    if where.page == queries.LandingPage.REFERRALS:
        return redirect("referral_list")
    if where.page == queries.LandingPage.COLLECTION:
        return redirect("barometer_collect_index")
    if where.page == queries.LandingPage.TRAINING and where.territory is not None:
        return redirect("training_game_sessions", siren=where.territory.siren)
    if where.page == queries.LandingPage.TERRITORY_TEAM and where.territory is not None:
        campaign = survey_queries.campaign_to_follow(where.territory, timezone.localdate())
        if campaign is not None:
            return redirect("barometer_follow_up", slug=campaign.slug)
        return redirect("territory_detail", siren=where.territory.siren)
    return redirect("home")


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _confirmed(request: HttpRequest, device: TOTPDevice) -> None:
    """This session's login is confirmed by the device (new session key)."""
    otp_login(request, device)
    request.session.cycle_key()


def enrolment(key: str, account: str) -> dict[str, str]:
    """What the set-up shows for a TOTP secret (hex): the QR code as inline
    SVG, the secret in base32 by groups of four for typing it in, and the
    otpauth:// link (opens the application on the phone itself)."""
    uri = TOTPDevice(user=User(username=account), key=key).config_url
    secret = base64.b32encode(bytes.fromhex(key)).decode()
    return {
        "qr_svg": qr_svg(uri, title="QR code du second facteur", fluid=True),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Set up the application that gives the codes, before any other page."""
    user: User = request.user
    if not access.second_factor_required(user):
        return redirect(_next_url(request))
    if second_factor.second_factor_device(user) is not None:
        return redirect(_with_next("second_factor_verify", _next_url(request)))
    key = request.session.get(SETUP_KEY) or second_factor.new_totp_key()
    request.session[SETUP_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.second_factor_enrol(
                user=user, key=key, code=form.cleaned_data["code"]
            )
        except second_factor.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(SETUP_KEY, None)
            _confirmed(request, device)
            messages.success(
                request,
                "Votre second facteur est installé : il vous sera demandé à chaque connexion.",
            )
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/second_factor_setup.html",
        {"form": form, "next": _next_url(request), **enrolment(key, user.get_username())},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The code asked after the password."""
    user: User = request.user
    if access.is_verified(user) or not access.second_factor_required(user):
        return redirect(_next_url(request))
    if second_factor.second_factor_device(user) is None:
        return redirect(_with_next("second_factor_setup", _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.second_factor_verify(user=user, code=form.cleaned_data["code"])
        except second_factor.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _confirmed(request, device)
            return redirect(_next_url(request))
    return render(
        request, "accounts/second_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


# The territory's invitations ---------------------------------------------------


def _invitations_page(
    request: AuthenticatedRequest,
    territory: Territory,
    *,
    form: InvitationForm | None = None,
    file_form: InvitationFileForm | None = None,
    problems: list[str] | None = None,
) -> HttpResponse:
    user: User = request.user
    status = request.GET.get("statut", "")
    listing = queries.territory_invitations(territory, status)
    grantable = access.grantable_roles(user, territory)
    organisations = list(queries.territory_organisations(territory))
    return render(
        request,
        "accounts/invitations.html",
        {
            "territory": territory,
            "form": form or _invitation_form(user, territory),
            "file_form": file_form or InvitationFileForm(),
            "problems": problems or [],
            "rows": [
                {
                    "invitation": invitation,
                    "badge": STATUS_BADGES[invitation.status],
                    "open": invitation.status in OPEN_STATUSES and invitation.role in grantable,
                }
                for invitation in listing.invitations
            ],
            "statuses": [(s.value, s.label, listing.counts[s]) for s in InvitationStatus],
            "total": sum(listing.counts.values()),
            "status": status if status in InvitationStatus.values else "",
            "admin_grantable": Role.ADMIN in grantable,
            "example_organisation": organisations[0].name if organisations else "CCAS d'Arras",
            "has_organisations": bool(organisations),
            "days": actions.invitation_days(),
        },
    )


def _invitation_form(user: User, territory: Territory, data: Any = None) -> InvitationForm:
    return InvitationForm(
        data,
        organisations=queries.territory_organisations(territory),
        roles=access.grantable_roles(user, territory),
    )


def _territory(request: AuthenticatedRequest, siren: str) -> Territory:
    return access.access_territory_invitations(request.user, territory_or_404(siren))


@login_required
def invitation_list(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The territory's invitations, with the forms to invite (team only)."""
    return _invitations_page(request, _territory(request, siren))


@login_required
@require_POST
def invitation_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """Invite one person; errors come back on their field."""
    territory = _territory(request, siren)
    user: User = request.user
    form = _invitation_form(user, territory, request.POST)
    if form.is_valid():
        try:
            with mail_watch() as watch:
                invitation = actions.invitation_create(
                    invited_by=user,
                    email=form.cleaned_data["email"],
                    organisation=form.cleaned_data["organisation"],
                    role=form.cleaned_data["role"],
                )
        except actions.InvitationError as error:
            add_to_form(form, error)
        else:
            done = "enregistrée pour" if watch.warnings() else "envoyée à"
            messages.success(
                request,
                f"Invitation {done} {invitation.email} ; le lien est valable "
                f"{actions.invitation_days()} jours.",
            )
            warn_unsent(request, watch)
            return redirect("invitation_list", siren=territory.siren)
    return _invitations_page(request, territory, form=form)


@login_required
@require_POST
def invitation_import(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """Invite a CSV list, all or nothing; each refused line is listed."""
    territory = _territory(request, siren)
    file_form = InvitationFileForm(request.POST, request.FILES)
    if file_form.is_valid():
        try:
            with mail_watch() as watch:
                invitations = actions.invitations_import(
                    invited_by=request.user,
                    territory=territory,
                    text=file_form.cleaned_data["file"],
                    filename=file_form.filename,
                )
        except actions.InvitationsRejected as error:
            return _invitations_page(
                request, territory, file_form=file_form, problems=error.problems
            )
        done = "enregistrée(s)" if watch.warnings() else "envoyée(s)"
        messages.success(request, f"{len(invitations)} invitation(s) {done}.")
        warn_unsent(request, watch)
        return redirect("invitation_list", siren=territory.siren)
    return _invitations_page(request, territory, file_form=file_form)


@login_required
@require_POST
def invitation_resend(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """A new link for a pending or expired invitation."""
    invitation = access.access_invitation_by_id(request.user, siren, pk)
    try:
        with mail_watch() as watch:
            actions.invitation_resend(invitation=invitation)
    except actions.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Nouveau lien d'invitation créé pour {invitation.email}."
            if watch.warnings()
            else f"Invitation renvoyée à {invitation.email}, avec un nouveau lien.",
        )
        warn_unsent(request, watch)
    return redirect("invitation_list", siren=siren)


@login_required
@require_POST
def invitation_cancel(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """The invitation's link stops working."""
    invitation = access.access_invitation_by_id(request.user, siren, pk)
    try:
        actions.invitation_cancel(invitation=invitation, cancelled_by=request.user)
    except actions.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Invitation de {invitation.email} annulée : son lien ne fonctionne plus."
        )
    return redirect("invitation_list", siren=siren)


# The invitation link -------------------------------------------------------------


def _closed(request: HttpRequest, message: str = actions.INVITATION_CLOSED) -> HttpResponse:
    return render(request, "accounts/invitation_closed.html", {"message": message}, status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Create one's account (password, second factor where the role needs
    it) — or, with an account already, add the organisation to it."""
    invitation = queries.invitation_by_token(token)
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return _closed(request)
    try:
        existing = actions.existing_user(invitation.email)
    except actions.InvitationError as error:
        return _closed(request, str(error))
    if existing is not None:
        return _accept_existing(request, invitation, existing)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_other.html", {"invitation": invitation})
    with_code = access.role_requires_second_factor(invitation.role)
    key = ""
    if with_code:  # the secret shown stays the same until the account is created
        stored = request.session.get(INVITATION_KEY) or {}
        key = str(stored.get("key") or "") if stored.get("invitation") == invitation.pk else ""
        key = key or second_factor.new_totp_key()
        request.session[INVITATION_KEY] = {"invitation": invitation.pk, "key": key}
    form = NewAccountForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, device = actions.invitation_accept(
                invitation=invitation,
                account=actions.NewAccount(
                    password=data["password"],
                    password_again=data["password_again"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    totp_key=key,
                    code=data.get("code", ""),
                ),
            )
        except actions.InvitationError as error:
            if error.field in form.fields:
                form.add_error(error.field, str(error))
            else:
                return _closed(request, str(error))
        else:
            request.session.pop(INVITATION_KEY, None)
            login(request, user, backend=PASSWORD_BACKEND)
            if device is not None:
                _confirmed(request, device)
            messages.success(
                request,
                f"Bienvenue ! Votre compte est créé ; votre identifiant est {user.get_username()}.",
            )
            return redirect("territory_detail", siren=invitation.organisation.territory.siren)
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "with_code": with_code,
            **(enrolment(key, invitation.email) if with_code else {}),
        },
    )


def _accept_existing(request: HttpRequest, invitation: Invitation, existing: User) -> HttpResponse:
    if not request.user.is_authenticated:
        login_url = _with_next("login", request.path)
        return render(
            request,
            "accounts/invitation_existing.html",
            {"invitation": invitation, "login_url": login_url},
        )
    if request.user != existing:
        return render(request, "accounts/invitation_other.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            actions.invitation_accept_existing(invitation=invitation, user=existing)
        except actions.InvitationError as error:
            return _closed(request, str(error))
        messages.success(
            request,
            f"Vous êtes maintenant rattaché·e à {invitation.organisation.name} "
            f"({invitation.get_role_display()}).",
        )
        return redirect("territory_detail", siren=invitation.organisation.territory.siren)
    return render(
        request, "accounts/invitation_existing.html", {"invitation": invitation, "login_url": ""}
    )


@require_POST
def logout_then_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Log out whoever is logged in, and come back to the invitation."""
    logout(request)
    return redirect("invitation_accept", token=token)
