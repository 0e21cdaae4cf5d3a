from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts import second_factor
from nonrecours.accounts.models import Invitation, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


class SecondFactorInline(admin.TabularInline):
    """The person's second factor: ticking « supprimer » removes it (a lost
    phone); they set up a new one at their next login. The secret is never shown."""

    model = TOTPDevice
    extra = 0
    max_num = 0  # devices are created by the person, never here
    fields = ("name", "confirmed", "created_at", "last_used_at", "throttling_failure_count")
    readonly_fields = fields
    verbose_name = "second facteur (application d'authentification)"
    verbose_name_plural = "second facteur (application d'authentification)"


@admin.register(User)
class NonrecoursUserAdmin(UserAdmin):
    inlines = [MembershipInline, SecondFactorInline]
    actions = ["second_factor_reset"]

    @admin.action(description="Retirer le second facteur (téléphone perdu)")
    def second_factor_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        removed = sum(second_factor.second_factor_reset(user=user) for user in queryset)
        self.message_user(
            request,
            f"{removed} second(s) facteur(s) retiré(s) : chaque personne en installera un "
            "nouveau à sa prochaine connexion.",
            messages.SUCCESS,
        )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "territory"]
    list_filter = ["kind", "territory"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__territory"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read only: invitations are made, resent and cancelled from the
    territory's invitations page, whose actions check the roles."""

    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "organisation__territory"]
    search_fields = ["email"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
