from django.contrib import admin

from nonrecours.surveys.models import Campaign, Contact, QuestionnaireVersion, Quota, Response


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    autocomplete_fields = ["commune"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "territory", "starts_on", "ends_on", "is_synthetic"]
    list_filter = ["territory", "is_synthetic"]
    search_fields = ["name", "slug"]
    readonly_fields = ["questionnaire", "is_synthetic", "created_at"]
    inlines = [QuotaInline]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    """Versions are frozen: answers refer to them."""

    list_display = ["title", "version", "territory", "created_at", "created_by"]
    readonly_fields = [
        "slug", "version", "territory", "title", "definition", "checksum", "created_at",
        "created_by",
    ]  # fmt: skip

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Answers are never edited: a correction is a new record."""

    list_display = ["pk", "campaign", "commune", "channel", "agent", "submitted_at"]
    list_filter = ["campaign", "channel"]
    readonly_fields = [f.name for f in Response._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["campaign", "commune", "phone", "email", "received_on", "handled_at"]
    list_filter = ["campaign", "handled_at"]
    readonly_fields = ["campaign", "commune", "phone", "email", "received_on"]
