"""The translation catalogues: which strings need translating, which are missing, and compiling them.

    python -m common.translations check     # lists every string without a translation, per language (exit 1 if any)
    python -m common.translations update    # adds the missing strings to locale/<lang>/LC_MESSAGES/django.po
    python -m common.translations compile   # .po -> .mo (make run, make serve and make test do this)

Why not Django's makemessages/compilemessages: they need GNU gettext, which a newcomer's machine may not have.
Here the strings are found with Django's own template parser (every {% translate %} and {% blocktranslate %}, in
the form Django looks them up at run time) and Python's ast (every gettext/_ call with a literal), and Babel
(pure Python) reads and writes the catalogues. tests/test_i18n.py fails while `check` finds anything.
"""
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
# Our code: everything the web pages show and every message the API sends. Migrations and tests are not shown.
PYTHON_SOURCES = ["core", "accounts", "venues", "moviemedia", "vouchers", "orders", "tickets", "waitlist",
                  "notifications", "web", "reports",
                  "ticketing_system"]
# The pages, the mails (.html and .txt) and the staff's admin pages.
TEMPLATE_DIRS = ["web/templates", "notifications/templates", "accounts/templates", "core/templates",
                 "vouchers/templates",
                 "reports/templates"]
TRANSLATED_LANGUAGES = ["es", "hi"]  # English is the source language
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    locations: list[str] = field(default_factory=list)


def _add(found: dict, msgid: str, plural: str | None, location: str) -> None:
    message = found.setdefault(msgid, Message(msgid, plural))
    message.plural = message.plural or plural
    message.locations.append(location)


def _python_messages(found: dict) -> None:
    for top in PYTHON_SOURCES:
        for path in sorted((BASE_DIR / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in GETTEXT_FUNCTIONS:
                    continue
                args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                        for a in node.args[:2]]
                if args[0] is None:
                    continue
                plural = args[1] if name.startswith("ngettext") and len(args) > 1 else None
                _add(found, args[0], plural, f"{path.relative_to(BASE_DIR)}:{node.lineno}")


def _template_messages(found: dict) -> None:
    from django.template import engines
    from django.templatetags.i18n import BlockTranslateNode, TranslateNode

    engine = engines["django"].engine
    for top in TEMPLATE_DIRS:
        for path in sorted([*(BASE_DIR / top).rglob("*.html"), *(BASE_DIR / top).rglob("*.txt")]):
            location = str(path.relative_to(BASE_DIR))
            template = engine.from_string(path.read_text(encoding="utf-8"))
            for node in template.nodelist.get_nodes_by_type(TranslateNode):
                var = node.filter_expression.var
                msgid = getattr(var, "literal", var)
                if isinstance(msgid, str):
                    _add(found, msgid, None, location)
            for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
                # render_token_list gives exactly the msgid Django will look up ("%(name)s" for each variable).
                singular, _vars = node.render_token_list(node.singular)
                plural = node.render_token_list(node.plural)[0] if node.plural and node.countervar else None
                _add(found, singular, plural, location)


def source_messages() -> dict[str, Message]:
    """Every translatable string of our code and templates (needs Django set up, for the template parser)."""
    found: dict[str, Message] = {}
    _python_messages(found)
    _template_messages(found)
    return found


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def _read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as f:
        return read_po(f, locale=language)


def _translated(entry) -> bool:
    if entry is None or entry.fuzzy:
        return False
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(s.strip() for s in strings)


def missing_translations(messages: dict[str, Message] | None = None) -> list[str]:
    """One line per (language, string) without a usable translation, saying where the string is used."""
    messages = source_messages() if messages is None else messages
    problems = []
    for language in TRANSLATED_LANGUAGES:
        catalog = _read(language)
        for msgid, message in sorted(messages.items()):
            entry = catalog.get(msgid)
            if not _translated(entry):
                problems.append(f'{po_path(language).relative_to(BASE_DIR)}: no translation for msgid '
                                f'"{msgid}"{" (plural: " + repr(message.plural) + ")" if message.plural else ""} '
                                f'used in {", ".join(sorted(set(message.locations))[:3])}')
            elif message.plural and not isinstance(entry.string, tuple):
                problems.append(f'{po_path(language).relative_to(BASE_DIR)}: "{msgid}" needs plural forms '
                                f'(msgid_plural "{message.plural}")')
            else:
                # Placeholders must survive translation: "%(seats)s" missing in a translation would raise at run
                # time (or silently drop the number).
                for error in placeholder_errors(msgid, message.plural, entry.string):
                    problems.append(f"{po_path(language).relative_to(BASE_DIR)}: {error}")
    return problems


def _placeholders(text: str) -> set[str]:
    import re

    # Django's "%(name)s" and str.format's "{name}" (used by a few API messages).
    return set(re.findall(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}", text))


def placeholder_errors(msgid, plural, translation) -> list[str]:
    wanted = _placeholders(msgid) | (_placeholders(plural) if plural else set())
    strings = translation if isinstance(translation, tuple) else (translation,)
    errors = []
    for text in strings:
        extra = _placeholders(text) - wanted
        if extra:
            errors.append(f'translation of "{msgid}" uses unknown placeholders {sorted(extra)}')
        dropped = _placeholders(msgid) - _placeholders(text)
        if not plural and dropped:
            errors.append(f'translation of "{msgid}" drops placeholders {sorted(dropped)}')
    return errors


def update_catalogues() -> None:
    """Add every missing string (with an empty translation) to each language's .po; keep everything else."""
    messages = source_messages()
    for language in TRANSLATED_LANGUAGES:
        catalog = _read(language)
        for msgid, message in messages.items():
            key = msgid
            if catalog.get(key) is None:
                catalog.add((msgid, message.plural) if message.plural else msgid,
                            string=("", "") if message.plural else "",
                            locations=[(loc.split(":")[0], None) for loc in sorted(set(message.locations))[:3]])
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=120, omit_header=False, sort_output=False)


def compile_catalogues() -> list[Path]:
    """Write locale/<lang>/LC_MESSAGES/django.mo from each .po (without fuzzy entries)."""
    written = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po")):
        language = po.parent.parent.name
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "compile":
        for mo in compile_catalogues():
            print(f"compiled {mo.relative_to(BASE_DIR)}")
        return 0
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings_test")
    django.setup()
    if command == "update":
        update_catalogues()
        print("added the missing strings to " + ", ".join(str(po_path(lang).relative_to(BASE_DIR))
                                                          for lang in TRANSLATED_LANGUAGES))
        return 0
    problems = missing_translations()
    print("\n".join(problems) if problems else "every string has a translation")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
