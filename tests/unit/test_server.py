"""The server runner's trusted proxy: DESK_TRUSTED_PROXY wins, and without one no proxy
header setting reaches waitress (which refuses them)."""

import pytest

from desk.server import waitress_settings

HEADERS = {
    "trusted_proxy_headers": "x-forwarded-for",
    "trusted_proxy_count": "1",
    "clear_untrusted_proxy_headers": "true",
    "threads": "4",
}


@pytest.mark.parametrize(
    ("section", "environ", "expected"),
    [
        (HEADERS, {}, {"threads": "4"}),
        (HEADERS, {"DESK_TRUSTED_PROXY": "10.0.0.5"}, {**HEADERS, "trusted_proxy": "10.0.0.5"}),
        (
            {**HEADERS, "trusted_proxy": "10.0.0.1"},
            {"DESK_TRUSTED_PROXY": "10.0.0.5"},
            {**HEADERS, "trusted_proxy": "10.0.0.5"},
        ),
        ({**HEADERS, "trusted_proxy": "10.0.0.1"}, {}, {**HEADERS, "trusted_proxy": "10.0.0.1"}),
    ],
    ids=["no proxy", "from the environment", "the environment wins", "from the ini"],
)
def test_the_trusted_proxy_is_resolved(section, environ, expected):
    assert waitress_settings(section, environ) == expected
