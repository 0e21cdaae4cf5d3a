"""The request of a view that only a logged-in user reaches.

Django types ``request.user`` as ``User | AnonymousUser``; behind
``login_required`` it is always a ``User``. Views (and their helpers) that
run only there take an ``AuthenticatedRequest``, as les-emplois and Zulip do,
so that passing ``request.user`` to the domain needs no ``type: ignore``.
"""

from django.http import HttpRequest

from nonrecours.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """An HttpRequest whose user is logged in (for type checking only: the
    object is Django's request)."""

    user: User
