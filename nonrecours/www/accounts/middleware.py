"""Nothing is served to a person who must confirm their login with a code
(administrators and project leads, back-office users) before they have."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from nonrecours.accounts import access
from nonrecours.accounts.models import User
from nonrecours.accounts.second_factor import second_factor_device

# The pages that lead to the code, and the way out.
OPEN_URL_NAMES = frozenset(
    {"second_factor_setup", "second_factor_verify", "logout", "invitation_logout"}
)


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a logged-in user whose login needs
    a second factor and is not yet confirmed is sent to set one up (no
    device yet) or to give their code, whatever page they asked for — the
    Django admin included. The page asked for comes back as ``next``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            not settings.NONRECOURS_REQUIRE_2FA
            or not isinstance(user, User)  # anonymous: nothing to verify
            or access.is_verified(user)
            or not access.second_factor_required(user)
        ):
            return self.get_response(request)
        try:
            if resolve(request.path_info).url_name in OPEN_URL_NAMES:
                return self.get_response(request)
        except Resolver404:
            pass
        name = "second_factor_verify" if second_factor_device(user) else "second_factor_setup"
        target = reverse(name)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
