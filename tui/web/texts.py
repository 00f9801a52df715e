"""What the pages say, in the playbook's language (nb, da, en), from the app's catalogues.

The server speaks several languages at once (one per playbook), so a page takes
its own translations rather than the process-wide language of `tui.i18n`.
"""

from __future__ import annotations

import functools
import gettext as _gettext

from trinn.engine.i18n import LANGUAGES, N_
from trinn.tui.i18n import DOMAIN, LOCALE_DIR

__all__ = ["TEXTS", "page_language", "texts"]

TEXTS = {
    "send": N_("Send"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "required": N_("required"),
    "item": N_("This answer is for"),  # the item of a form filled per item, its link is for
    "missing": N_("Fill this in."),
    "problems": N_("The form has problems. See the fields marked below."),
    "thanks_title": N_("Thank you"),
    "thanks": N_("Your answers have been received. You may close this page."),
    "gone_title": N_("This link does not work"),
    "gone": N_(
        "The link may have expired, or the form has been sent already. "
        "Ask the person who sent you the link for a new one."
    ),
    "csrf_title": N_("The form could not be sent"),
    "csrf": N_("The page was open too long, or it was sent from elsewhere. Open the link again and send it."),
    "too_many_title": N_("Too many requests"),
    "too_many": N_("Wait a minute, then try again."),
    "too_large_title": N_("The answers are too long"),
    "too_large": N_("Shorten the longest answers and send the form again."),
    "bad_title": N_("The form could not be read"),
    "bad": N_("Open the link again and fill in the form on its page."),
    "error_title": N_("Something went wrong"),
    "error": N_("Nothing was saved. Please try again later."),
    "one_per_line": N_("One per line."),
    "refused": N_("The answers could not be recorded. Check them and send the form again."),
}


@functools.cache
def _catalogue(language: str) -> _gettext.NullTranslations:
    return _gettext.translation(DOMAIN, LOCALE_DIR, [language], fallback=True)


def page_language(language: str | None) -> str:
    return language if language is not None and language in LANGUAGES else "en"


def texts(language: str) -> dict[str, str]:
    """Every text of the pages, in `language`."""
    catalogue = _catalogue(page_language(language))
    return {key: catalogue.gettext(message) for key, message in TEXTS.items()}
