"""The client's address for rate limits: the socket's peer unless we run proxies, and then
only the entry our own outermost proxy wrote into X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from lasso.client_address import client_ip

CHAIN = "198.51.100.1, 192.0.2.60, 203.0.113.7"


def request(*, remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_it_ignores_x_forwarded_for_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded=CHAIN)) == "10.0.0.2"


@pytest.mark.parametrize(("proxies", "client"), [(1, "203.0.113.7"), (2, "192.0.2.60")])
def test_it_takes_the_entry_as_many_hops_from_the_right_as_there_are_proxies(
    settings, proxies, client
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded=CHAIN)) == client


@pytest.mark.parametrize("forwarded", [None, "", "203.0.113.7"])
def test_it_knows_no_address_when_the_chain_is_shorter_than_the_proxies(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded=forwarded)) is None


@pytest.mark.parametrize("forwarded", ["198.51.100.1, not-an-address", "198.51.100.1, 999.1.1.1"])
def test_it_knows_no_address_when_the_trusted_entry_is_not_one(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded=forwarded)) is None


def test_it_reads_ipv6_addresses(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded="2001:db8::1")) == "2001:db8::1"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="2001:db8::2")) == "2001:db8::2"
