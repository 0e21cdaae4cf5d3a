"""Aller-vers: the files a territory imports to decide where the bus goes
(quartiers prioritaires, per-commune figures), the weights of its priority
index, and the candidate stops of the bus.

No household data is kept here: figures are per commune (or per QPV), as
published by their producer or aggregated before they are stored."""

from django.conf import settings
from django.db import models

from nonrecours.outreach.enums import FigureSource, StopKind, VisitStatus
from nonrecours.referrals.enums import AgeBand


class PriorityArea(models.Model):
    """A quartier prioritaire de la politique de la ville (QPV), from the
    ANCT's list and contours (outreach.importers.qpv)."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="priority_areas",
    )
    code = models.CharField("code du quartier", max_length=20)
    name = models.CharField("nom", max_length=200)
    insee_codes = models.JSONField("communes (codes INSEE)", default=list)
    geometry = models.JSONField("contour (GeoJSON, WGS 84)")
    # A point inside the contour, where the QPV's candidate stop goes.
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveIntegerField("population", null=True, blank=True)
    file_name = models.CharField("fichier importé", max_length=255)
    imported_at = models.DateTimeField("importé le")

    class Meta:
        verbose_name = "quartier prioritaire"
        verbose_name_plural = "quartiers prioritaires"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="outreach_qpv_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommuneFigure(models.Model):
    """One figure of one commune from an imported file: `value` None when
    the producer masks it (statistical secrecy). Units by `name`: see
    outreach.figures.FIGURES."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="commune_figures",
    )
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.CASCADE,
        related_name="figures",
    )
    source = models.CharField("source", max_length=20, choices=FigureSource.choices)
    name = models.CharField("indicateur", max_length=40)
    value = models.FloatField("valeur", null=True, blank=True)
    year = models.PositiveSmallIntegerField("année")
    month = models.PositiveSmallIntegerField("mois (0 : donnée de l'année)", default=0)
    file_name = models.CharField("fichier importé", max_length=255)
    imported_at = models.DateTimeField("importé le")

    class Meta:
        verbose_name = "donnée par commune"
        verbose_name_plural = "données par commune"
        indexes = [models.Index(fields=["territory", "source", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "source", "name", "year", "month"],
                name="outreach_figure_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.source}:{self.name} {self.year} = {self.value}"


class PriorityWeights(models.Model):
    """The weights of a territory's priority index, as its project lead set
    them (factor key -> weight ≥ 0; see outreach.priorities.FACTORS)."""

    territory = models.OneToOneField(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="priority_weights",
    )
    weights = models.JSONField("poids")
    updated_at = models.DateTimeField("modifiés le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifiés par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "poids de l'indice de priorité"
        verbose_name_plural = "poids de l'indice de priorité"

    def __str__(self) -> str:
        return f"poids de l'indice de priorité ({self.territory_id})"


class Stop(models.Model):
    """A candidate stop of the bus: a town hall, a QPV, or a place the team
    adds (market square, entrance of a housing estate)."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="stops",
    )
    kind = models.CharField("type", max_length=10, choices=StopKind.choices)
    name = models.CharField("nom", max_length=200)
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="stops",
    )
    priority_area = models.ForeignKey(
        PriorityArea,
        verbose_name="quartier prioritaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stops",
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Two hours on site: with the trips from the depot, it fits a half-day
    # of three and a half hours (outreach.planning.DEFAULT_HALF_DAYS).
    service_minutes = models.PositiveSmallIntegerField("durée de présence (minutes)", default=120)
    is_active = models.BooleanField("candidat au calendrier", default=True)
    # Days the team would rather come (a market day), 0 = Monday: a
    # preference of the solver, never a rule.
    preferred_weekdays = models.JSONField("jours souhaités", default=list, blank=True)
    # A partner that must be on board for this stop (« CAF »): the stop is
    # only visited on the days BusSettings.partner_days has it.
    partner = models.CharField("partenaire nécessaire à bord", max_length=60, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "arrêt"
        verbose_name_plural = "arrêts"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "kind", "commune"],
                condition=models.Q(kind=StopKind.TOWN_HALL),
                name="outreach_one_town_hall_stop",
            ),
            models.UniqueConstraint(
                fields=["priority_area"],
                condition=models.Q(kind=StopKind.PRIORITY_AREA),
                name="outreach_one_stop_per_qpv",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BusSettings(models.Model):
    """The rules of the territory's bus the team sets once, used by every
    calendar it computes (outreach.calendar.territory_calendar): the depot
    (a stop; None: the town hall of the central city), the weekdays it runs
    (0 = Monday), the hours of its two half-days (the lunch break between
    them), and the partners on board each weekday (« CAF » on Tuesdays:
    weekday as text → names)."""

    territory = models.OneToOneField(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="bus_settings",
    )
    depot = models.ForeignKey(
        Stop,
        verbose_name="dépôt (d'où part le bus)",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    weekdays = models.JSONField("jours de circulation", default=list)
    morning_start = models.TimeField("début du matin")
    morning_end = models.TimeField("fin du matin")
    afternoon_start = models.TimeField("début de l'après-midi")
    afternoon_end = models.TimeField("fin de l'après-midi")
    partner_days = models.JSONField("partenaires à bord, par jour", default=dict, blank=True)
    updated_at = models.DateTimeField("modifiés le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifiés par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "réglages du bus"
        verbose_name_plural = "réglages du bus"

    def __str__(self) -> str:
        return f"réglages du bus ({self.territory_id})"


class BusCalendar(models.Model):
    """A calendar of the bus the team saved: what it was solved from (its
    stops, rules and travel times, as outreach.planning's dataclasses
    written as JSON by outreach.saved_calendars, so that a visit moved by
    hand is checked against the same problem), and the solver's figures.
    ``half_day_cost``: what a half-day of the bus costs, in euros, entered
    by the team (staff, fuel, vehicle), for the cost per right opened."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="bus_calendars",
    )
    name = models.CharField("nom", max_length=120)
    start = models.DateField("premier jour (un lundi)")
    weeks = models.PositiveSmallIntegerField("semaines")
    vehicles = models.PositiveSmallIntegerField("véhicules", default=1)
    problem = models.JSONField("étapes, règles et temps de trajet")
    status = models.CharField("statut du calcul", max_length=20)
    objective = models.FloatField("couverture pondérée visée")
    bound = models.FloatField("borne prouvée", null=True, blank=True)
    gap = models.FloatField("écart à l'optimum", null=True, blank=True)
    coverage = models.FloatField("couverture pondérée")
    seconds = models.FloatField("temps de calcul (secondes)", default=0.0)
    half_day_cost = models.DecimalField(
        "coût d'une demi-journée (euros)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    is_synthetic = models.BooleanField("donnée de démonstration", default=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "calendrier du bus"
        verbose_name_plural = "calendriers du bus"
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return self.name


class BusVisit(models.Model):
    """A half-day of the bus at a stop, in a saved calendar. Moved by the
    team: ``day``/``half_day`` are the new ones, ``planned_day`` and
    ``planned_half_day`` where the solver had put it; cancelled: it stays,
    with its status, so that the change is shown (dated by ``changed_at``).
    ``accepted_violations``: the French messages of the rules the team chose
    to break with its last change (outreach.planning.Violation.message).
    ``arrived_at``/``left_at``: the hours the staff was actually there (the
    activity log), for visitors per hour of presence."""

    calendar = models.ForeignKey(
        BusCalendar, verbose_name="calendrier", on_delete=models.CASCADE, related_name="visits"
    )
    stop = models.ForeignKey(
        Stop, verbose_name="arrêt", on_delete=models.PROTECT, related_name="visits"
    )
    stop_key = models.CharField("étape (clé dans le calendrier)", max_length=40)
    day = models.DateField("jour")
    half_day = models.CharField("demi-journée", max_length=20)
    vehicle = models.PositiveSmallIntegerField("véhicule", default=1)
    status = models.CharField(
        "état", max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    planned_day = models.DateField("jour prévu au calcul", null=True, blank=True)
    planned_half_day = models.CharField("demi-journée prévue au calcul", max_length=20, blank=True)
    changed_at = models.DateTimeField("modifié le", null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifié par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    change_reason = models.CharField("motif du changement", max_length=300, blank=True)
    accepted_violations = models.JSONField("règles enfreintes acceptées", default=list)
    arrived_at = models.TimeField("arrivée sur place", null=True, blank=True)
    left_at = models.TimeField("départ", null=True, blank=True)

    class Meta:
        verbose_name = "passage du bus"
        verbose_name_plural = "passages du bus"
        ordering = ["day", "half_day", "vehicle"]
        indexes = [models.Index(fields=["calendar", "day"])]

    def __str__(self) -> str:
        return f"{self.stop_key} {self.day} {self.half_day}"


class BusVisitor(models.Model):
    """A person received on the bus, as the staff logs it on its phone
    (offline, sent once: ``idempotency_key`` drawn by the phone). No name,
    no contact: commune and QPV of residence, age band, what the person came
    for, and counts of what was done for them."""

    visit = models.ForeignKey(
        BusVisit, verbose_name="passage", on_delete=models.CASCADE, related_name="visitors"
    )
    idempotency_key = models.CharField("clé d'envoi", max_length=64, unique=True)
    first_contact = models.BooleanField("premier contact")
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune de résidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    priority_area = models.ForeignKey(
        PriorityArea,
        verbose_name="habite un quartier prioritaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    age_band = models.CharField("tranche d'âge", max_length=8, choices=AgeBand.choices, blank=True)
    themes = models.JSONField("thèmes", default=list)
    simulations = models.PositiveSmallIntegerField("simulations faites", default=0)
    referrals = models.PositiveSmallIntegerField("orientations envoyées", default=0)
    appointments = models.PositiveSmallIntegerField("rendez-vous pris", default=0)
    recorded_at = models.DateTimeField("noté le (sur le téléphone)")
    received_at = models.DateTimeField("reçu le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="noté par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_synthetic = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "personne reçue au bus"
        verbose_name_plural = "personnes reçues au bus"

    def __str__(self) -> str:
        return f"personne reçue ({self.visit_id})"


class BusReferral(models.Model):
    """A referral (the referrals app's flow) sent from the bus during a
    visit: the tag that lets the dashboard count the rights it opened."""

    visit = models.ForeignKey(
        BusVisit, verbose_name="passage", on_delete=models.CASCADE, related_name="referral_links"
    )
    referral = models.OneToOneField(
        "referrals.Referral",
        verbose_name="orientation",
        on_delete=models.CASCADE,
        related_name="bus_visit_link",
    )

    class Meta:
        verbose_name = "orientation envoyée depuis le bus"
        verbose_name_plural = "orientations envoyées depuis le bus"

    def __str__(self) -> str:
        return f"orientation {self.referral_id} depuis le passage {self.visit_id}"
