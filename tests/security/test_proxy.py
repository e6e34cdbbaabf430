"""Behind a trusted proxy, the login throttle and the security log see the client's address;
a forged ``X-Forwarded-For`` from anyone else is ignored.

Two processes on the loopback: ``pserve production.ini`` trusting 127.0.0.2, and a tiny
forwarding proxy (in the test's process) that connects from 127.0.0.2 and appends the peer's
address to ``X-Forwarded-For``, as nginx's ``$proxy_add_x_forwarded_for`` does.
"""

import http.client
import http.server
import json
import threading

import pytest
from sqlalchemy import select

from desk.models import LoginFailure

SECRET = "proxy-test-secret-that-is-long-enough-0123456789"
PROXY_ADDRESS = "127.0.0.2"
CLIENT_ADDRESS = "127.0.0.3"
FORGED = "198.51.100.77"


def forwarding_proxy(backend_port: int) -> http.server.ThreadingHTTPServer:
    class Forward(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "x-forwarded-for"}
            forwarded = self.headers.get("X-Forwarded-For")
            peer = self.client_address[0]
            headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
            upstream = http.client.HTTPConnection(
                "127.0.0.1", backend_port, timeout=30, source_address=(PROXY_ADDRESS, 0)
            )
            upstream.request("POST", self.path, body, headers)
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            upstream.close()

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)


def failed_login(port: int, source: str, forged: str | None = None) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    headers = {"Content-Type": "application/json"}
    if forged:
        headers["X-Forwarded-For"] = forged
    body = json.dumps({"username": "mallory", "password": "not-the-password"})
    connection.request("POST", "/api/auth/login/", body, headers)
    status = connection.getresponse().status
    connection.close()
    return status


def addresses(registry) -> set:
    session = registry["dbsession_factory"]()
    try:
        return set(session.scalars(select(LoginFailure.address)))
    finally:
        session.close()


@pytest.mark.postgresql_only
def test_the_client_address_crosses_a_trusted_proxy_and_a_forged_one_does_not(
    pserve, database_url, registry
):
    server = pserve(
        "production.ini",
        DATABASE_URL=database_url,
        DESK_JWT_SECRET=SECRET,
        DESK_TRUSTED_PROXY=PROXY_ADDRESS,
    )
    proxy = forwarding_proxy(server.port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        # Through the proxy, the client forges an address: the proxy appends the real one,
        # and only the proxy's last hop is believed.
        assert failed_login(proxy.server_port, CLIENT_ADDRESS, forged=FORGED) == 401
        assert addresses(registry) == {CLIENT_ADDRESS}
        # Straight to the server from an untrusted peer: its forged header is ignored.
        assert failed_login(server.port, "127.0.0.1", forged=FORGED) == 401
        assert addresses(registry) == {CLIENT_ADDRESS, "127.0.0.1"}
    finally:
        proxy.shutdown()
        proxy.server_close()
    log = server.output()
    assert f"address={CLIENT_ADDRESS}" in log
    assert "address=127.0.0.1" in log
    assert FORGED not in log
    assert f"address={PROXY_ADDRESS}" not in log
