"""Webhook targets and deliveries: the SSRF rule, secrets, Standard Webhooks signatures, POST.

A target must be an http(s) URL without credentials whose host resolves only to public
addresses, unless ``desk.webhooks.allow_private``. The rule is checked when a subscription
is saved and again on the address resolved for each attempt, which is the address connected
to (the hostname still goes in ``Host`` and TLS SNI), so a name that resolves to a public
address at save time and to 169.254.169.254 later gets nowhere.
"""

import base64
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook as Signer

from ..i18n import _, english
from .config import WebhookConfig

SECRET_PREFIX = "whsec_"
USER_AGENT = "Desk-Webhooks/1.0"


class TargetRefused(ValueError):
    """A URL that may not be a webhook target; ``message`` says why (``str()``: in English)."""

    def __init__(self, message: str):
        super().__init__(english(message))
        self.message = message


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local (169.254.169.254, the cloud
    # metadata service), shared (100.64/10), reserved, unspecified and documentation ranges.
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, int]:
    """(host, port) of an acceptable http(s) URL; TargetRefused otherwise (no DNS here)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(
            _("Not a valid URL: ${error}.", mapping={"error": str(error)})
        ) from error
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(_("Must be an http:// or https:// URL."))
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(_("Must not contain credentials; authenticate by the signature."))
    if not parts.hostname:
        raise TargetRefused(_("Must name a host."))
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses ``host`` resolves to, all public unless ``allow_private``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(
            _("The host ${host} does not resolve.", mapping={"host": repr(host)})
        ) from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        refused = [address for address in addresses if not _is_public(address)]
        if refused:
            raise TargetRefused(
                _(
                    "The host resolves to a loopback, private, link-local or reserved address "
                    "(${address}), which desk.webhooks.allow_private does not allow.",
                    mapping={"address": refused[0]},
                )
            )
    return addresses


def validate_target(url: str, allow_private: bool) -> None:
    """TargetRefused unless ``url`` may be saved as a subscription's target."""
    host, port = check_url(url)
    if allow_private:
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        resolve(host, port, allow_private)
        return
    if not _is_public(str(literal)):
        raise TargetRefused(
            _(
                "Must not be a loopback, private, link-local or reserved address "
                "(desk.webhooks.allow_private)."
            )
        )


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict:
    """The Standard Webhooks headers for ``body``, signed with ``secret``."""
    signature = Signer(secret).sign(message_id, sent_at, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass
class Outcome:
    """What one attempt got."""

    succeeded: bool
    error: str = ""
    http_status: int | None = None
    response_body: str = ""


def _pinned(url: str, address: str) -> tuple[str, dict, dict]:
    """``url`` rewritten to connect to ``address``, with the Host header and SNI it needs."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    headers = {"host": parts.netloc}
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), headers, extensions


def http_client(config: WebhookConfig) -> httpx.Client:
    """A client for many deliveries: its TLS context and connections are reused."""
    timeout = httpx.Timeout(config.timeout, connect=config.connect_timeout)
    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)


def post(
    url: str, headers: dict, body: str, config: WebhookConfig, client: httpx.Client
) -> Outcome:
    """POST ``body`` once; never follows a redirect, keeps the start of the answer."""
    try:
        host, port = check_url(url)
        address = resolve(host, port, config.allow_private)[0]
    except TargetRefused as error:
        return Outcome(False, f"refused: {error}")
    target, host_header, extensions = _pinned(url, address)
    deadline = time.monotonic() + config.timeout
    try:
        with client.stream(
            "POST",
            target,
            content=body.encode(),
            headers={**headers, **host_header},
            extensions=extensions,
        ) as response:
            kept = bytearray()
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) >= config.max_response_bytes:
                    break
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the answer took longer than desk.webhooks.timeout")
            text = bytes(kept[: config.max_response_bytes]).decode("utf-8", "replace")
            status = response.status_code
    except httpx.HTTPError as error:
        return Outcome(False, f"{type(error).__name__}: {error}"[:1000])
    if 200 <= status < 300:
        return Outcome(True, http_status=status, response_body=text)
    error = f"HTTP {status}"
    if 300 <= status < 400:
        error += f": redirect to {response.headers.get('location', '?')} not followed"
    return Outcome(False, error, http_status=status, response_body=text)
