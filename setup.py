"""The build hook that compiles the translation catalogs; the metadata is in setup.cfg.

``build_py`` runs Babel's ``compile_catalog`` first (setup.cfg's ``[compile_catalog]``):
every ``desk/locale/<lang>/LC_MESSAGES/<domain>.po`` becomes its ``.mo`` beside it, which
package_data then ships. setuptools runs ``build_py`` for a wheel (``pip install .``, the
Dockerfile) and for an editable install (``pip install -e .``) alike, so a fresh clone gets
its catalogs compiled at install; the ``.mo`` files are never committed (.gitignore).
"""

from pathlib import Path

from babel.messages.setuptools_frontend import compile_catalog
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).parent / "desk" / "locale"


class build_py_with_catalogs(build_py):  # noqa: N801 (setuptools' command naming)
    """``build_py``, after compiling the catalogs (none in the Dockerfile's stub package)."""

    def run(self) -> None:
        if any(LOCALE.glob("*/LC_MESSAGES/*.po")):
            self.run_command("compile_catalog")
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogs, "compile_catalog": compile_catalog})
