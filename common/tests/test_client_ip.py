import pytest
from django.test import RequestFactory

from common.client_ip import client_ip


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy of ours: the header is the client's word
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # our proxy appended what it saw
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "", "10.0.0.2"),  # not through our proxy
        (2, "203.0.113.7", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_client_ip_trusts_only_our_own_proxies(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
