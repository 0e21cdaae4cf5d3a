"""The 400 page: a host name the site does not serve is named as such."""

from django.test import Client, override_settings


@override_settings(ALLOWED_HOSTS=["nonrecours.exemple.fr"], DEBUG=False)
def test_a_host_not_served_is_said_so_in_french(db):
    response = Client().get("/sante/", HTTP_HOST="autre.exemple.fr")
    assert response.status_code == 400
    text = response.content.decode()
    assert "n'est pas celle du site" in text
    assert "DJANGO_ALLOWED_HOSTS" in text
    assert "trop volumineuses" not in text


def test_another_bad_request_keeps_its_page(rf):
    from django.core.exceptions import SuspiciousOperation

    from nonrecours.www.errors import bad_request

    response = bad_request(rf.get("/"), SuspiciousOperation("x"))
    assert response.status_code == 400
    assert "trop volumineuses ou illisibles" in response.content.decode()
