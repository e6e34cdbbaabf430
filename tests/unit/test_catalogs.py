"""The translation catalogs: complete, current with the code, and compiled as installed.

``desk/locale/desk.pot`` is what Babel extracts from the code and templates (README,
"Translations"); every locale's ``desk.po`` translates each of its messages, and the
``.mo`` that the install compiled says the same as the ``.po``.
"""

import re
from pathlib import Path

import colander
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from pyramid.i18n import TranslationString, make_localizer

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "desk" / "locale"
#: As the README's `pybabel extract -k _ -k N_ -k C_:1c,2`.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_", "N_", "C_:1c,2"])}
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def read(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def keys(catalog) -> set[tuple[str | None, str]]:
    return {(message.context, message.id) for message in catalog if message.id}


def extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS)
    return {(context, message) for _file, _line, message, _comments, context in found}


def test_there_is_a_russian_catalog_of_each_domain():
    assert {path.relative_to(LOCALE).as_posix() for path in CATALOGS} == {
        "ru/LC_MESSAGES/desk.po",
        "ru/LC_MESSAGES/colander.po",
    }


def test_the_template_has_every_message_of_the_code_and_no_other():
    template = keys(read(LOCALE / "desk.pot"))
    assert len(template) > 200
    code = extracted()
    assert code - template == set(), "new messages: extract again (README, Translations)"
    assert template - code == set(), "messages no longer used: extract again"


@pytest.mark.parametrize("path", [p for p in CATALOGS if p.stem == "desk"], ids=str)
def test_each_locale_has_the_templates_messages(path):
    assert keys(read(path)) == keys(read(LOCALE / "desk.pot"))


@pytest.mark.parametrize("path", CATALOGS, ids=str)
def test_every_message_is_translated_with_the_same_values(path):
    catalog = read(path)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    for message in catalog:
        if message.id:
            assert set(PLACEHOLDER.findall(message.string)) == set(
                PLACEHOLDER.findall(message.id)
            ), message.id


def test_the_colander_catalog_translates_colanders_own_messages():
    colanders = keys(read(Path(colander.__file__).parent / "locale" / "colander.pot"))
    ours = keys(read(LOCALE / "ru" / "LC_MESSAGES" / "colander.po"))
    assert ours <= colanders


@pytest.mark.parametrize("path", CATALOGS, ids=str)
def test_the_compiled_catalog_says_what_the_po_says(path):
    """The install compiled the .mo from this .po (an edited .po needs a reinstall)."""
    locale, domain = path.parts[-3], path.stem
    localizer = make_localizer(locale, [str(LOCALE)])
    for message in read(path):
        if message.id:
            string = TranslationString(message.id, domain=domain, context=message.context)
            assert localizer.translate(string) == message.string, message.id
