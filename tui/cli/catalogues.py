"""Every gettext catalogue made anew: `python -m trinn.tui.cli.catalogues`.

Three domains, one tool: the app's words (tui/locale, `trinn`), the engine's (engine/locale,
`engine`) and the command line's help (tui/locale, `cli`). Each is extracted, merged into every
language's .po file (what is translated stays) and compiled to its .mo file; then translate the
new entries and run it again. It lives beside the commands because the help's template is read
from the command tree, which the app never loads.
"""

from __future__ import annotations

from trinn.engine import i18n as engine_i18n
from trinn.tui import i18n as app_i18n
from trinn.tui.cli import help_language

__all__ = ["update_catalogues"]


def update_catalogues() -> None:
    """Extract, merge and compile the three domains."""
    engine_i18n.update_catalogues(app_i18n.LOCALE_DIR.parent, app_i18n.LOCALE_DIR, app_i18n.DOMAIN)
    engine_i18n.update_catalogues(engine_i18n.LOCALE_DIR.parent, engine_i18n.LOCALE_DIR, engine_i18n.DOMAIN)
    engine_i18n.write_catalogues(help_language.template(), help_language.LOCALE_DIR, help_language.DOMAIN)


if __name__ == "__main__":
    update_catalogues()
