"""Shared fixtures: the admin's (a logged-in superuser, a crew of users) and the
notification tests' (a webhook receiver, a mailbox, an in-process worker)."""

from tests.functional.test_admin import crew, root  # noqa: F401 (fixtures)
from tests.support.notify import mailbox, receiver, worker  # noqa: F401 (fixtures)
