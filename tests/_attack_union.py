import datetime, secrets
import pytest
from django.urls import reverse
from nonrecours.accounts.enums import Role
from nonrecours.evaluation import chain_queries
from nonrecours.evaluation.chain_models import Chain
from nonrecours.territories.models import Commune
from tests.evaluation.chain_setup import campaign_of, member

pytestmark = pytest.mark.django_db

def test_commune_minus_month(arras, client):
    campaign = campaign_of(arras)
    X = Commune.objects.get(insee_code="62041")
    Y = Commune.objects.filter(territory=arras).exclude(stratum=X.stratum).first()
    at = datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC)
    def make(commune, month, n, reached):
        for i in range(n):
            Chain.objects.create(token=secrets.token_hex(12), territory=arras, campaign=campaign, commune=commune,
                                 stratum=commune.stratum, month=month, contacted_at=at,
                                 attempts=1, reached_at=at if i < reached else None,
                                 not_reached_at=None if i < reached else at)
    jan, feb = datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)
    make(X, jan, 24, 12)
    make(X, feb, 1, 1)      # the target: the only February request of Arras
    make(Y, feb, 22, 11)
    f = chain_queries.chain_year(arras, 2025)
    def row(table_label, label):
        t = next(t for t in f.tables if t.label == table_label) if hasattr(f.tables[0], "label") else None
        return t
    print("total", f.total.counts)
    for t in f.tables:
        for r in t.rows:
            print(getattr(t, "label", getattr(t, "title", "?")), "|", r.label, r.counts)
    partner = member(arras, "France Services", Role.PARTNER)
    client.force_login(partner)
    r = client.get(reverse("evaluation_chain_funnel", args=[arras.siren]), {"annee": "2025", "format": "csv"})
    print(r.status_code)
    for l in r.content.decode("utf-8-sig").splitlines()[:12]:
        print("  ", l[:90])
