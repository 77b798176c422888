"""The client address the per-IP limits count: X-Forwarded-For only through a trusted proxy (TRUSTED_PROXIES)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from arena.models import Battle
from arena.proxies import client_address
from config.settings import envnetworks

NGINX = ("127.0.0.1",)


def test_it_takes_the_peer_when_no_proxy_is_trusted():
    assert client_address(peer="198.51.100.7", forwarded_for="203.0.113.9", proxies=()) == "198.51.100.7"


def test_it_ignores_the_header_from_a_peer_that_is_not_a_trusted_proxy():
    assert client_address(peer="198.51.100.7", forwarded_for="203.0.113.9", proxies=NGINX) == "198.51.100.7"


def test_it_takes_the_address_the_trusted_proxy_appended():
    assert client_address(peer="127.0.0.1", forwarded_for="198.51.100.7", proxies=NGINX) == "198.51.100.7"


def test_an_address_prepended_by_the_client_is_not_believed():
    spoofed = client_address(peer="127.0.0.1", forwarded_for="203.0.113.9, 198.51.100.7", proxies=NGINX)
    assert spoofed == "198.51.100.7"


def test_it_walks_back_through_a_chain_of_trusted_proxies():
    proxies = ("127.0.0.1", "10.0.0.0/8")  # nginx on this host behind a load balancer on the private network
    chain = "203.0.113.9, 198.51.100.7, 10.1.2.3"
    assert client_address(peer="127.0.0.1", forwarded_for=chain, proxies=proxies) == "198.51.100.7"


def test_when_every_hop_is_a_trusted_proxy_it_takes_the_furthest():
    assert client_address(peer="127.0.0.1", forwarded_for="10.1.2.3, 127.0.0.1", proxies=NGINX + ("10.0.0.0/8",)) == (
        "10.1.2.3"
    )


@pytest.mark.parametrize("header", ["", "not-an-address", "198.51.100.7:4711", "198.51.100.7,", "[2001:db8::1]"])
def test_a_missing_or_malformed_header_gives_the_peer(header):
    assert client_address(peer="127.0.0.1", forwarded_for=header, proxies=NGINX) == "127.0.0.1"


def test_a_malformed_hop_the_client_wrote_before_a_good_one_is_never_read():
    assert client_address(peer="127.0.0.1", forwarded_for="junk, 198.51.100.7", proxies=NGINX) == "198.51.100.7"


def test_ipv6_addresses_are_normalised():
    found = client_address(peer="::1", forwarded_for="2001:DB8:0:0::7", proxies=("::1",))
    assert found == "2001:db8::7"


def test_a_proxy_setting_that_is_not_an_address_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, nginx.internal")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES: 'nginx.internal' is not an IP address"):
        envnetworks("TRUSTED_PROXIES")
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert envnetworks("TRUSTED_PROXIES") == ["127.0.0.1", "10.0.0.0/8"]


@pytest.mark.django_db
def test_the_battle_stores_the_client_a_trusted_proxy_named(client, cast, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    served = client.post(
        "/arena/api/battles/", {}, content_type="application/json",
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )  # fmt: skip
    assert served.status_code == 200
    assert Battle.objects.get().ip_address == "198.51.100.7"


@pytest.mark.django_db
def test_without_trusted_proxies_the_battle_stores_the_peer_whatever_the_header(client, cast, settings):
    settings.TRUSTED_PROXIES = []
    served = client.post(
        "/arena/api/battles/", {}, content_type="application/json",
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7",
    )  # fmt: skip
    assert served.status_code == 200
    assert Battle.objects.get().ip_address == "127.0.0.1"
