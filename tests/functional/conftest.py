"""The admin's fixtures (a logged-in superuser, a crew of users) for its other test modules."""

from tests.functional.test_admin import crew, root  # noqa: F401 (fixtures)
