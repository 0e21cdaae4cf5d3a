"""Who may see and do what with a referral: each rule of accounts/access.py,
and the pages that apply them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import User
from nonrecours.directory.access import can_edit_structure as access_can_edit
from nonrecours.referrals import access as referral_access
from nonrecours.referrals.enums import Channel, OutcomeKind, Status
from nonrecours.referrals.models import Referral
from nonrecours.referrals.notifications import link_token
from tests.conftest import LENS_SIREN
from tests.referrals.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(arras, sender, receiver):
    """Everyone around one referral from France Services to the CCAS."""
    from nonrecours.territories import actions as territory_actions

    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    return {
        "sender": sender,
        "colleague": member(arras, "France Services d'Arras", Role.PARTNER),
        "receiver": receiver,
        "other_partner": member(arras, "Mission locale", Role.PARTNER),
        "project_lead": member(arras, "Équipe TZNR", Role.PROJECT_LEAD),
        "field_agent": member(arras, "La Poste", Role.FIELD_AGENT),
        "lens_partner": member(lens, "CCAS de Lens", Role.PARTNER),
        "superuser": User.objects.create_superuser("racine", password="mot-de-passe-de-test"),
    }


def test_only_the_two_organisations_see_a_referral(send, people):
    referral = send()
    by_id = referral_access.access_referral_by_id
    assert by_id(people["sender"], referral.pk).sides == {"sender"}
    assert by_id(people["colleague"], referral.pk).sides == {"sender"}
    assert by_id(people["receiver"], referral.pk).sides == {"receiver"}
    assert by_id(people["receiver"], referral.pk).referral == referral
    for name in ("other_partner", "project_lead", "field_agent", "lens_partner", "superuser"):
        with pytest.raises(Http404) as refused:
            by_id(people[name], referral.pk)
        assert str(refused.value) == referral_access.REFERRAL_NOT_FOUND, name


def test_an_unknown_referral_and_a_forbidden_one_get_the_same_answer(send, people):
    """Existence is itself personal: same exception, same message."""
    referral = send()
    answers = []
    for pk in (referral.pk, referral.pk + 1000):
        with pytest.raises(Http404) as refused:
            referral_access.access_referral_by_id(people["other_partner"], pk)
        answers.append((type(refused.value), str(refused.value)))
    with pytest.raises(Http404) as unknown:
        referral_access.access_referral_by_id(people["sender"], referral.pk + 1000)
    answers.append((type(unknown.value), str(unknown.value)))
    assert len(set(answers)) == 1
    assert answers[0] == (Http404, "Orientation inconnue.")


def test_the_link_opens_a_referral_while_its_key_is_current(send, people):
    from django.contrib.auth.models import AnonymousUser

    referral = send()
    anonymous = AnonymousUser()
    access = referral_access.access_referral_by_id(
        anonymous, referral.pk, link_key=referral.link_key
    )
    assert access.sides == {"receiver"} and access.channel == Channel.LINK
    assert access.show_person
    with pytest.raises(referral_access.ReferralLinkClosed) as closed:
        referral_access.access_referral_by_id(anonymous, referral.pk, link_key="autre-cle")
    assert closed.value.referral == referral
    # The receiving organisation's member with the link open: their account.
    access = referral_access.access_referral_by_id(
        people["receiver"], referral.pk, link_key=referral.link_key
    )
    assert access.channel == Channel.ACCOUNT
    # Someone else logged in, holding a stale key: as unknown.
    with pytest.raises(Http404):
        referral_access.access_referral_by_id(
            people["other_partner"], referral.pk, link_key="autre-cle"
        )


def test_only_the_receiving_side_answers(send, people):
    referral = send()
    answer = referral_access.access_referral_answer_by_id
    assert answer(people["receiver"], referral.pk).referral == referral
    with pytest.raises(PermissionDenied, match="Seule l'organisation qui reçoit"):
        answer(people["sender"], referral.pk)
    with pytest.raises(Http404):
        answer(people["other_partner"], referral.pk)


def test_a_referral_is_sent_to_a_known_entry_by_whoever_may_refer(arras, people, directory):
    structure, offer = directory
    to = referral_access.access_refer_to
    assert to(people["sender"], offer_id=str(offer.pk))[:2] == (structure, offer)
    found, no_offer, organisations = to(people["sender"], structure_id=str(structure.pk))
    assert (found, no_offer) == (structure, None)
    assert organisations == [people["sender"].memberships.get().organisation]
    hostile = ({"offer_id": "²"}, {"structure_id": "²"}, {"offer_id": "9" * 30})
    for ids in (
        {"offer_id": "999999"},
        {"structure_id": "999999"},
        {},
        {"offer_id": "x"},
        *hostile,
    ):
        with pytest.raises(Http404):
            to(people["sender"], **ids)
    with pytest.raises(PermissionDenied, match="peuvent orienter"):
        to(people["field_agent"], offer_id=str(offer.pk))


def test_statistics_by_siren(arras, people):
    by_siren = referral_access.access_referral_statistics_by_siren
    assert by_siren(people["project_lead"], arras.siren) == arras
    with pytest.raises(Http404):
        by_siren(people["project_lead"], "000000000")
    with pytest.raises(PermissionDenied):
        by_siren(people["sender"], arras.siren)


def test_who_may_refer_and_on_behalf_of_whom(arras, people):
    assert referral_access.can_refer(people["sender"], arras)
    assert referral_access.can_refer(people["project_lead"], arras)
    assert not referral_access.can_refer(people["field_agent"], arras)
    assert not referral_access.can_refer(people["lens_partner"], arras)
    ccas = people["receiver"].memberships.get().organisation
    with pytest.raises(PermissionDenied, match="peuvent orienter"):
        referral_access.access_refer(people["sender"], arras, ccas)  # not their organisation


def test_statistics_are_for_the_territory_team(arras, people):
    assert referral_access.access_referral_statistics(people["project_lead"], arras) == arras
    assert referral_access.access_referral_statistics(people["superuser"], arras) == arras
    for name in ("sender", "receiver", "field_agent", "lens_partner"):
        with pytest.raises(PermissionDenied, match="réservées à l'équipe du territoire"):
            referral_access.access_referral_statistics(people[name], arras)


def test_pages_apply_the_rules(client, arras, send, people, directory):
    referral = send()
    detail = reverse("referral_detail", args=[referral.pk])
    assert client.get(detail).status_code == 302  # to the login page
    expected = {
        "sender": 200,
        "receiver": 200,
        "other_partner": 404,  # as an unknown referral: its existence is personal
        "project_lead": 404,
        "lens_partner": 404,
        "superuser": 404,
    }
    for name, status in expected.items():
        client.force_login(people[name])
        assert client.get(detail).status_code == status, name
    dashboard = reverse("referral_dashboard", args=[arras.siren])
    export = reverse("referral_export", args=[arras.siren])
    for name, status in {"project_lead": 200, "sender": 403, "lens_partner": 403}.items():
        client.force_login(people[name])
        assert client.get(dashboard).status_code == status, name
        assert client.get(export).status_code == status, name
    client.force_login(people["field_agent"])
    offer = directory[1]
    assert client.get(reverse("referral_new") + f"?offre={offer.pk}").status_code == 403
    assert (
        "Orienter une personne ici"
        not in client.get(reverse("directory_offer", args=[offer.pk])).content.decode()
    )
    client.force_login(people["sender"])
    assert (
        "Orienter une personne ici"
        in client.get(reverse("directory_offer", args=[offer.pk])).content.decode()
    )


def test_the_sender_cannot_answer_through_the_page(client, send, people):
    referral = send()
    client.force_login(people["sender"])
    response = client.post(
        reverse("referral_act", args=[referral.pk]),
        {"formulaire": "reponse", "reponse-decision": "accept"},
    )
    assert response.status_code == 403
    assert Referral.objects.get().status == Status.SENT


def test_lists_show_only_ones_own_referrals(client, arras, send, people, directory):
    mine = send()
    other = member(arras, "Mission locale", Role.PARTNER)
    send(sender=other, sender_organisation=other.memberships.get().organisation)
    client.force_login(people["sender"])
    page = client.get(reverse("referral_list")).content.decode()
    assert reverse("referral_detail", args=[mine.pk]) in page and "1 orientation" in page
    client.force_login(people["receiver"])
    page = client.get(reverse("referral_list") + "?sens=recues").content.decode()
    assert "2 orientations" in page  # the CCAS received both
    client.force_login(people["project_lead"])
    page = client.get(reverse("referral_list")).content.decode()
    assert reverse("referral_detail", args=[mine.pk]) not in page and "Camille" not in page


def test_the_link_answers_without_an_account_and_a_forged_one_does_not(client, send, receiver):
    referral = send(amounts={"rsa": 480.0})
    url = reverse("referral_link", args=[link_token(referral)])
    first = client.get(url)  # a page with a button: a mail scanner opens nothing
    assert first.status_code == 200 and "Camille" not in first.content.decode()
    assert not referral.events.filter(kind="viewed").exists()
    session_before = client.cookies["sessionid"].value if "sessionid" in client.cookies else ""
    link = client.post(url)
    detail = reverse("referral_detail", args=[referral.pk])
    # The token is exchanged for this browser session: no other address holds it.
    assert link.status_code == 302 and link["Location"] == detail
    assert client.cookies["sessionid"].value != session_before  # a new session id
    page = client.get(detail)
    assert page.status_code == 200 and "Camille Martin" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    forged = link_token(referral)[:-2] + "xx"
    assert client.get(reverse("referral_link", args=[forged])).status_code == 404
    act = reverse("referral_act", args=[referral.pk])
    refused = client.post(act, {"formulaire": "reponse", "reponse-decision": "refuse"})
    assert refused.status_code == 422  # without a reason
    assert "Choisissez le motif du refus" in refused.content.decode()
    assert (
        client.post(act, {"formulaire": "reponse", "reponse-decision": "accept"}).status_code == 302
    )
    done = client.post(
        act,
        {"formulaire": "resultat", "resultat-kind": OutcomeKind.RIGHT_OPENED,
         "resultat-benefit": "rsa"},
    )  # fmt: skip
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.answered_via == Channel.LINK
    outcome = referral.outcomes.get()
    assert str(outcome.monthly_amount) == "480.00" and outcome.amount_from_simulator
    timeline = client.get(detail).content.decode()
    assert "Orientation acceptée" in timeline and "Résultat enregistré" in timeline
    # Another referral is not opened by this session's grant.
    other = send()
    assert client.get(reverse("referral_detail", args=[other.pk])).status_code == 302


def test_after_a_refusal_the_structure_no_longer_sees_the_person(client, send, receiver):
    referral = send()
    token = link_token(referral)
    client.post(reverse("referral_link", args=[token]))
    detail = reverse("referral_detail", args=[referral.pk])
    client.post(
        reverse("referral_act", args=[referral.pk]),
        {"formulaire": "reponse", "reponse-decision": "refuse", "reponse-reason": "full"},
    )
    closed = client.get(detail).content.decode()
    assert "Cette orientation est close" in closed and "Camille" not in closed
    referral.refresh_from_db()
    assert referral.link_key == ""  # the link is revoked
    again = client.get(reverse("referral_link", args=[token]))
    assert again.status_code == 410 and "Votre refus est enregistré" in again.content.decode()
    client.force_login(receiver)  # through its account: the person is not shown either
    page = client.get(detail).content.decode()
    assert "Camille" not in page and "ne sont plus montrées" in page
    assert "Motif du refus" in page
    # Nor in its list of received referrals, which the sender's still names.
    received = client.get(reverse("referral_list") + "?sens=recues").content.decode()
    assert f"n°&nbsp;{referral.pk}" in received and "Camille" not in received
    assert "non affichée" in received
    client.force_login(referral.sender)
    sent = client.get(reverse("referral_list") + "?sens=envoyees").content.decode()
    assert "Camille" in sent


def test_field_agents_of_a_partner_organisation_do_not_handle_its_referrals(
    client, arras, send, receiver
):
    referral = send()
    ccas = receiver.memberships.get().organisation
    agent = member(arras, "La Poste", Role.FIELD_AGENT)
    from nonrecours.accounts.models import Membership

    Membership.objects.create(user=agent, organisation=ccas, role=Role.FIELD_AGENT)
    client.force_login(agent)
    detail = reverse("referral_detail", args=[referral.pk])
    assert client.get(detail).status_code == 404
    act = reverse("referral_act", args=[referral.pk])
    assert (
        client.post(act, {"formulaire": "reponse", "reponse-decision": "accept"}).status_code == 404
    )
    from nonrecours.referrals.notifications import receiver_addresses

    agent.email = "agent@laposte.example"
    agent.save()
    assert "agent@laposte.example" not in receiver_addresses(referral)
    assert access_can_edit(agent, referral.structure) is False


def test_sending_through_the_page(client, arras, people, directory):
    offer = directory[1]
    client.force_login(people["sender"])
    url = reverse("referral_new") + f"?offre={offer.pk}"
    form = client.get(url).content.decode()
    assert "a donné son accord" in form
    data = {
        "sender_organisation": people["sender"].memberships.get().organisation.pk,
        "first_name": "Dominique",
        "last_name": "Durand",
        "phone": "",
        "email": "",
        "commune": "62041",
        "consent_mode": "oral",
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Sans l&#x27;accord de la personne" in text
    refused = client.post(url, {**data, "consent": "on"})
    assert "au moins un moyen de recontacter" in refused.content.decode()
    for field, value in (("first_name", "Domi\nnique"), ("last_name", "Dur\x00and"),
                         ("message", "motif\x07"), ("message", "x" * 2001)):  # fmt: skip
        refused = client.post(url, {**data, "consent": "on", "phone": "0612345678", field: value})
        assert refused.status_code == 422, (field, value)
    assert (
        "Le texte doit tenir sur une seule ligne."
        in client.post(
            url, {**data, "consent": "on", "phone": "0612345678", "first_name": "A\nB"}
        ).content.decode()
    )
    assert Referral.objects.count() == 0
    sent = client.post(url, {**data, "consent": "on", "phone": "0612345678"})
    referral = Referral.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "referral_detail", args=[referral.pk]
    )
    assert referral.offer == offer and referral.sender == people["sender"]


def test_a_reopened_simulation_leads_to_a_referral_with_its_amounts(
    client, arras, people, directory
):
    from nonrecours.rights.actions import simulation_save

    situation = {
        "mois": "2026-11",
        "commune": "62041",
        "logement": {"statut": "loge_gratuitement"},
        "personnes": [{"role": "demandeur", "naissance": "1962-05-15", "activite": "inactif"}],
    }
    saved = simulation_save(situation=situation, territory=arras, consent=True)
    client.force_login(people["sender"])
    page = client.post(reverse("rights_reopen"), {"code": saved.code}).content.decode()
    link = f"{reverse('referral_new')}?offre={directory[1].pk}&amp;simulation={saved.code}"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'value="{saved.code}"' in form
    client.force_login(people["project_lead"])  # may reopen, may refer too
    assert link in client.post(reverse("rights_reopen"), {"code": saved.code}).content.decode()


def test_search_results_offer_to_refer_to_professionals_only(client, arras, people, directory):
    url = reverse("directory_search") + "?commune=62041"
    offer = directory[1]
    link = f"{reverse('referral_new')}?offre={offer.pk}"
    assert link not in client.get(url).content.decode()  # a resident
    client.force_login(people["field_agent"])
    assert link not in client.get(url).content.decode()
    client.force_login(people["sender"])
    assert link in client.get(url).content.decode()


def test_a_link_grant_ends_at_login_and_after_a_working_day(client, arras, send, receiver):
    import time_machine
    from django.utils import timezone

    referral = send()
    detail = reverse("referral_detail", args=[referral.pk])
    client.post(reverse("referral_link", args=[link_token(referral)]))
    assert client.get(detail).status_code == 200
    other = member(arras, "Mission locale", Role.PARTNER)
    client.force_login(other)  # someone else logs in on the same browser
    assert client.get(detail).status_code == 404
    client.logout()
    client.post(reverse("referral_link", args=[link_token(referral)]))
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=9)):
        assert client.get(detail).status_code == 302  # to the login page


def test_after_30_days_the_link_holder_no_longer_sees_the_person(client, send, receiver):
    import time_machine
    from django.utils import timezone

    referral = send()
    client.post(reverse("referral_link", args=[link_token(referral)]))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30, minutes=1)):
        client.post(reverse("referral_link", args=[link_token(referral)]))
        page = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Camille" not in page and "on ne peut plus y répondre" in page
    assert "Envoyer la réponse" not in page


def test_an_old_link_no_longer_opens(client, send):
    import time_machine
    from django.utils import timezone

    referral = send()
    token = link_token(referral)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=121)):
        response = client.get(reverse("referral_link", args=[token]))
    assert response.status_code == 404 and "plus de quatre mois" in response.content.decode()


def test_who_sees_the_referred_person(send):
    """referrals.access.can_see_referred_person, each case (the detail page
    shows the person only then)."""
    referral = send()
    see = referral_access.can_see_referred_person
    assert see(referral, {"sender"}) and see(referral, {"receiver"})
    referral.sent_at -= datetime.timedelta(days=365)  # past its answer deadline
    assert referral.overdue
    assert see(referral, {"sender"}) and not see(referral, {"receiver"})
    referral.status = Status.ACCEPTED
    assert see(referral, {"receiver"})
    referral.status = Status.REFUSED
    assert not see(referral, {"receiver"}) and see(referral, {"sender"})
    referral.anonymised_at = referral.sent_at
    assert not see(referral, {"sender"}) and not see(referral, {"sender", "receiver"})
