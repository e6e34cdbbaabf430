"""The API's problem+json in the caller's language: ``title`` and ``detail`` (and the fields'
descriptions) follow the user's ``language``, else Accept-Language; ``type`` and ``status``
never change."""

import pytest

RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}

#: Per case: the English and the Russian (title, detail).
NOT_FOUND = {
    "en": ("Not Found", "Not found."),
    "ru": ("Не найдено", "Не найдено."),
}
REFUSED = {
    "en": ("Transition not allowed", "Cannot cancel a ticket whose status is DONE."),
    "ru": (
        "Переход не разрешён",
        "Действие «отмена» недоступно для заявки в статусе «DONE».",
    ),
}
INVALID = {
    "en": ("Invalid input", "Invalid input: title, priority."),
    "ru": ("Неверные данные", "Неверные данные: title, priority."),
}
BAD_CURSOR = {
    "en": ("Invalid input", "Not a cursor from this list."),
    "ru": ("Неверные данные", "Это не курсор этого списка."),
}
REFUSED_TARGET = {
    "en": ("Invalid input", "Must be an http:// or https:// URL."),
    "ru": ("Неверные данные", "Нужен URL вида http:// или https://."),
}
NOT_MULTIPART = {
    "en": ("Unsupported Media Type", "Send the files as multipart/form-data."),
    "ru": ("Неподдерживаемый тип содержимого", "Отправляйте файлы как multipart/form-data."),
}


def not_found(testapp, make, people, headers):
    return testapp.get("/api/tickets/999999/", headers=headers, status=404)


def refused(testapp, make, people, headers):
    ticket = make.ticket(people["requester"])
    make.execute(make.assign(ticket, people["operator"], people["executor"]), people["executor"])
    path = f"/api/tickets/{ticket['id']}/cancel/"
    return testapp.post_json(path, {}, headers=headers, status=409)


def invalid(testapp, make, people, headers):
    body = {"title": "", "priority": "SOON"}
    return testapp.post_json("/api/tickets/", body, headers=headers, status=400)


def bad_cursor(testapp, make, people, headers):
    path = "/api/tickets/my-tickets/?cursor=not-a-cursor"
    return testapp.get(path, headers=headers, status=400)


def refused_target(testapp, make, people, headers):
    body = {"url": "ftp://example.com/hook", "event_kinds": ["created"]}
    return testapp.post_json("/api/webhooks/", body, headers=headers, status=400)


def not_multipart(testapp, make, people, headers):
    ticket = make.ticket(people["requester"])
    path = f"/api/tickets/{ticket['id']}/attachments/"
    return testapp.post_json(path, {}, headers=headers, status=415)


CASES = [
    ("requester", not_found, NOT_FOUND, "urn:desk:problem:not-found", 404),
    ("operator", refused, REFUSED, "urn:desk:problem:transition-not-allowed", 409),
    ("requester", invalid, INVALID, "urn:desk:problem:validation-error", 400),
    ("requester", bad_cursor, BAD_CURSOR, "urn:desk:problem:validation-error", 400),
    ("superuser", refused_target, REFUSED_TARGET, "urn:desk:problem:validation-error", 400),
    ("requester", not_multipart, NOT_MULTIPART, "urn:desk:problem:unsupported-media-type", 415),
]


@pytest.fixture
def people(requester, operator, executor, superuser):
    return {
        "requester": requester,
        "operator": operator,
        "executor": executor,
        "superuser": superuser,
    }


@pytest.mark.parametrize(("language", "accept"), [("en", ENGLISH), ("en", {}), ("ru", RUSSIAN)])
@pytest.mark.parametrize(("caller", "call", "texts", "type_", "status"), CASES)
def test_problems_speak_the_accepted_language(
    testapp, make, people, language, accept, caller, call, texts, type_, status
):
    headers = {**make.headers(people[caller]), **accept}
    problem = call(testapp, make, people, headers).json
    assert (problem["title"], problem["detail"]) == texts[language]
    assert (problem["type"], problem["status"]) == (type_, status)
    assert set(problem) <= {"type", "title", "status", "detail", "errors"}


def test_field_descriptions_are_translated(testapp, make, requester):
    english = invalid(testapp, make, None, make.headers(requester)).json["errors"]
    russian = invalid(testapp, make, None, {**make.headers(requester), **RUSSIAN}).json["errors"]
    assert [(e["location"], e["name"]) for e in english] == [
        (e["location"], e["name"]) for e in russian
    ]
    assert {e["name"]: e["description"] for e in english} == {
        "title": "Shorter than minimum length 1",
        "priority": "Must be one of: LOW, NORMAL, HIGH, URGENT.",
    }
    assert {e["name"]: e["description"] for e in russian} == {
        "title": "Короче минимальной длины (1)",
        "priority": "Допустимые значения: LOW, NORMAL, HIGH, URGENT.",
    }


def test_the_users_language_comes_before_accept_language(testapp, make, requester):
    headers = make.headers(requester)
    testapp.patch_json("/api/auth/profile/", {"language": "ru"}, headers=headers)
    for accept in ({}, ENGLISH):
        problem = testapp.get("/api/tickets/999999/", headers={**headers, **accept}, status=404)
        assert (problem.json["title"], problem.json["detail"]) == NOT_FOUND["ru"]


def test_the_anonymous_get_accept_language(testapp):
    problem = testapp.get("/api/auth/profile/", headers=RUSSIAN, status=401).json
    assert (problem["title"], problem["detail"]) == (
        "Требуется аутентификация",
        "Не предоставлены учётные данные.",
    )
    assert problem["type"] == "urn:desk:problem:not-authenticated"
