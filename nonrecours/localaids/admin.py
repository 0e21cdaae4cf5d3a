"""Local aids in the admin: a territory adds or edits one without code.

The form checks the aid as a file would (LocalAid.clean, French messages
under each field); saving stores the communes its area covers."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from nonrecours.localaids.actions import local_aid_areas_refresh
from nonrecours.localaids.models import LocalAid


@admin.register(LocalAid)
class LocalAidAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "institution_name",
        "institution_kind",
        "status",
        "valid_until",
        "verified_on",
    ]
    list_filter = ["status", "institution_kind"]
    search_fields = ["label", "slug", "institution_name"]
    readonly_fields = ["covered_communes", "source_file", "updated_at"]
    # An address typed without its scheme is an https one (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["slug", "label", "description", "status"]}),
        ("Institution", {"fields": ["institution_kind", "institution_name"]}),
        ("Territoire couvert", {"fields": ["zone", "covered_communes"]}),
        ("Conditions", {"fields": ["conditions"]}),
        (
            "Montant ou nature",
            {"fields": ["amount", "amount_period", "amount_up_to", "amount_note", "in_kind"]},
        ),
        ("Démarche", {"fields": ["how_to_apply", "apply_url"]}),
        (
            "Sources et validité",
            {
                "fields": [
                    "source_url",
                    "references",
                    "verified_on",
                    "valid_until",
                    "source_file",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description="communes couvertes")
    def covered_communes(self, aid: LocalAid) -> str:
        if aid.pk is None:
            return "calculées à l'enregistrement"
        return str(aid.communes.count())

    def save_model(self, request: HttpRequest, obj: LocalAid, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        local_aid_areas_refresh(aid=obj)
