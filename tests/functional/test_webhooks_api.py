"""``/api/webhooks/``: subscriptions, secrets, bad targets, the delivery log, redelivery, ping."""

import dataclasses

import pytest
from standardwebhooks import Webhook as Verifier

from desk.notifications.config import registry_config
from desk.notifications.webhooks import TargetRefused, validate_target

from ..support.notify import drain, make_worker

NEW = {"url": "http://127.0.0.1:9/hook", "event_kinds": ["created", "commented"]}


@pytest.fixture
def admin(make, superuser) -> dict:
    return make.headers(superuser)


@pytest.fixture
def strict_targets(registry):
    """The app as production runs it: private addresses refused."""
    config = registry_config(registry)
    registry["notification_config"] = dataclasses.replace(
        config, webhooks=dataclasses.replace(config.webhooks, allow_private=False)
    )
    yield
    registry["notification_config"] = config


def hook_for(testapp, admin, receiver, **fields) -> dict:
    created = testapp.post_json(
        "/api/webhooks/", {"url": receiver.url, "event_kinds": ["created"], **fields}, headers=admin
    ).json
    receiver.secret = created["secret"]
    return created


def test_create_shows_the_secret_once(testapp, admin):
    response = testapp.post_json("/api/webhooks/", {**NEW, "description": "CRM"}, headers=admin)
    assert response.status_int == 201
    created = response.json
    assert created["secret"].startswith("whsec_")
    assert response.headers["Location"].endswith(f"/api/webhooks/{created['id']}/")
    assert created["active"] is True
    assert created["include_internal"] is False
    shown = testapp.get(f"/api/webhooks/{created['id']}/", headers=admin).json
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = testapp.get("/api/webhooks/", headers=admin).json
    assert listed["count"] == 1
    assert "secret" not in listed["results"][0]


def test_patch_and_delete(testapp, admin):
    created = testapp.post_json("/api/webhooks/", NEW, headers=admin).json
    path = f"/api/webhooks/{created['id']}/"
    patched = testapp.patch_json(
        path, {"active": False, "event_kinds": ["cancelled"]}, headers=admin
    ).json
    assert (patched["active"], patched["event_kinds"]) == (False, ["cancelled"])
    testapp.delete(path, headers=admin, status=204)
    testapp.get(path, headers=admin, status=404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "url": "ftp://example.com/hook"}, "url"),
        ({**NEW, "url": "file:///etc/passwd"}, "url"),
        ({**NEW, "url": "http://user:pass@example.com/hook"}, "url"),
        ({**NEW, "url": "http:///no-host"}, "url"),
        ({**NEW, "event_kinds": ["created", "exploded"]}, "event_kinds"),
        ({**NEW, "event_kinds": []}, "event_kinds"),
        ({"url": NEW["url"]}, "event_kinds"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(testapp, admin, body, field):
    problem = testapp.post_json("/api/webhooks/", body, headers=admin, status=400).json
    assert [error["name"] for error in problem["errors"]] == [field]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_a_private_target_is_refused_unless_allowed(testapp, admin, strict_targets, url):
    problem = testapp.post_json("/api/webhooks/", {**NEW, "url": url}, headers=admin, status=400)
    assert [error["name"] for error in problem.json["errors"]] == ["url"]
    created = testapp.post_json("/api/webhooks/", NEW | {"url": "http://8.8.8.8/h"}, headers=admin)
    patch = testapp.patch_json(
        f"/api/webhooks/{created.json['id']}/", {"url": url}, headers=admin, status=400
    )
    assert [error["name"] for error in patch.json["errors"]] == ["url"]


def test_a_name_that_does_not_resolve_is_refused_when_private_is_not_allowed():
    with pytest.raises(TargetRefused, match="does not resolve"):
        validate_target("https://no-such-host.invalid/hook", allow_private=False)


def test_the_address_is_checked_again_at_delivery_time(
    settings, testapp, admin, make, registry, receiver, requester
):
    """Saved while private targets were allowed; the worker of a stricter ini refuses."""
    hook = hook_for(testapp, admin, receiver)
    strict = make_worker(settings, **{"desk.webhooks.allow_private": "false"})
    try:
        make.ticket(requester)
        drain(strict)
    finally:
        strict.engine.dispose()
    assert receiver.received == []
    (delivery,) = testapp.get(f"/api/webhooks/{hook['id']}/deliveries/", headers=admin).json[
        "results"
    ]
    assert delivery["status"] == "pending"
    assert delivery["attempt_log"][0]["error"].startswith("refused: ")


@pytest.mark.parametrize("who", ["requester", "operator", "executor"])
def test_only_superusers_manage_webhooks(testapp, make, who):
    headers = make.headers(make.user(who.upper()))
    testapp.get("/api/webhooks/", headers=headers, status=403)
    testapp.post_json("/api/webhooks/", NEW, headers=headers, status=403)
    testapp.get("/api/webhooks/", status=401)


def test_the_delivery_log_keeps_every_attempt_and_a_delivery_can_be_sent_again(
    testapp, admin, make, worker, receiver, requester
):
    hook = hook_for(testapp, admin, receiver)
    receiver.status = 500
    make.ticket(requester)
    drain(worker)
    log = testapp.get(f"/api/webhooks/{hook['id']}/deliveries/", headers=admin).json
    (delivery,) = log["results"]
    assert delivery["type"] == "ticket.created"
    assert delivery["status"] == "pending"
    first = delivery["attempt_log"][0]
    assert (first["http_status"], first["error"], first["response_body"]) == (
        500,
        "HTTP 500",
        "nope",
    )
    assert first["succeeded"] is False
    assert first["duration_ms"] >= 0
    receiver.status = 200
    while not receiver.received:
        drain(worker)
    done = testapp.get(f"/api/webhooks/{hook['id']}/deliveries/", headers=admin).json["results"][0]
    assert done["status"] == "succeeded"
    assert done["attempt_log"][-1]["response_body"] == "thanks"
    assert len(done["attempt_log"]) == done["attempts"] >= 2

    again = testapp.post(
        f"/api/webhooks/{hook['id']}/deliveries/{done['id']}/redeliver/", headers=admin
    )
    assert again.status_int == 202
    assert again.json["status"] == "pending"
    drain(worker)
    assert [item["id"] for item in receiver.received] == [done["message_id"]] * 2


def test_redeliver_of_an_unknown_or_foreign_delivery_is_a_404(testapp, admin, receiver):
    one, other = (hook_for(testapp, admin, receiver) for _ in range(2))
    ping = testapp.post(f"/api/webhooks/{one['id']}/ping/", headers=admin).json
    testapp.post(
        f"/api/webhooks/{other['id']}/deliveries/{ping['id']}/redeliver/", headers=admin, status=404
    )
    testapp.post(
        f"/api/webhooks/{one['id']}/deliveries/99999/redeliver/", headers=admin, status=404
    )
    testapp.post(f"/api/webhooks/{one['id']}/deliveries/abc/redeliver/", headers=admin, status=404)


def test_ping_sends_a_signed_test_event(testapp, admin, worker, receiver):
    hook = hook_for(testapp, admin, receiver)
    response = testapp.post(f"/api/webhooks/{hook['id']}/ping/", headers=admin)
    assert response.status_int == 202
    drain(worker)
    (item,) = receiver.received
    assert item["payload"] == {
        "type": "ping",
        "timestamp": item["payload"]["timestamp"],
        "data": {"webhook_id": hook["id"]},
    }
    assert item["id"] == response.json["message_id"]


def test_rotating_the_secret_signs_with_the_new_one(testapp, admin, worker, receiver):
    hook = hook_for(testapp, admin, receiver)
    old = receiver.secret
    rotated = testapp.post(f"/api/webhooks/{hook['id']}/rotate-secret/", headers=admin).json
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != old
    testapp.post(f"/api/webhooks/{hook['id']}/ping/", headers=admin)
    drain(worker)
    assert receiver.received == []  # the receiver still held the old secret
    assert "No matching signature" in receiver.rejected[0]
    receiver.secret = rotated["secret"]
    while not receiver.received:
        drain(worker)
    assert Verifier(rotated["secret"])  # a valid Standard Webhooks secret


def test_a_redirect_is_not_followed(testapp, admin, worker, receiver, make, requester):
    hook = hook_for(testapp, admin, receiver)
    receiver.status = 302
    make.ticket(requester)
    drain(worker)
    (delivery,) = testapp.get(f"/api/webhooks/{hook['id']}/deliveries/", headers=admin).json[
        "results"
    ]
    assert delivery["status"] == "pending"
    assert "not followed" in delivery["last_error"]
    assert receiver.received == []


def test_a_receiver_that_hangs_times_out_and_is_retried(
    testapp, admin, make, worker, receiver, requester
):
    hook = hook_for(testapp, admin, receiver)
    receiver.delay = 3  # longer than desk.webhooks.timeout in the test settings (1 s)
    make.ticket(requester)
    drain(worker, turns=1)
    (delivery,) = testapp.get(f"/api/webhooks/{hook['id']}/deliveries/", headers=admin).json[
        "results"
    ]
    assert delivery["status"] == "pending"
    assert "Timeout" in delivery["attempt_log"][0]["error"]
    assert delivery["attempt_log"][0]["http_status"] is None
