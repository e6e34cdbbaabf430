"""Ini files for the tests that run Desk's console scripts against the test database."""

from pathlib import Path


def write_ini(directory: Path, settings: dict) -> str:
    """An ini file of ``settings`` (the app's section) in ``directory``, with quiet logging."""
    # PasteDeploy interpolates %(name)s in values: a literal % is written twice.
    app = "\n".join(f"{key} = {value.replace('%', '%%')}" for key, value in settings.items())
    path = directory / "desk.ini"
    path.write_text(
        f"[app:main]\nuse = egg:desk\n{app}\n\n"
        # Logging that leaves the test run's own handlers and levels alone.
        "[loggers]\nkeys = root\n\n[handlers]\nkeys =\n\n[formatters]\nkeys =\n\n"
        "[logger_root]\nlevel = WARN\nhandlers =\n"
    )
    return str(path)
