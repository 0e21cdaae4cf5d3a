from django.contrib import admin

from nonrecours.territories.models import Commune, Territory


class CommuneInline(admin.TabularInline):
    model = Commune
    fields = readonly_fields = (
        "insee_code",
        "name",
        "population",
        "stratum",
        "stratum_source",
        "is_member",
    )
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "kind", "population", "imported_at"]
    search_fields = ["name", "siren"]
    # Thresholds and strata change through the strata page (actions), which
    # re-applies the rule and records manual choices: read-only here.
    readonly_fields = [
        "siren",
        "name",
        "kind",
        "population",
        "small_commune_threshold",
        "density_threshold",
        "source",
        "imported_at",
    ]
    inlines = [CommuneInline]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "territory", "population", "stratum", "stratum_source"]
    list_filter = ["territory", "stratum", "stratum_source", "is_member"]
    search_fields = ["name", "insee_code"]
    exclude = ["geometry"]
    readonly_fields = [
        "insee_code",
        "territory",
        "population",
        "area_km2",
        "is_member",
        "stratum",
        "stratum_source",
    ]
