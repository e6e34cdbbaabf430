"""The browser fixtures of test_admin_browser, for the other browser test modules."""

from tests.browser.test_admin_browser import browser, page, people, server  # noqa: F401
