"""The opt-out page's HTML, in the member's language (an unknown link in both): server-rendered, no
script, styled by `/assets/opt-out.css` (the CSP allows only our own style sheets)."""

from __future__ import annotations

import html
import string
from functools import lru_cache

from backend.messaging.email import TEMPLATES
from backend.messaging.opt_outs import OptOutView

MIN_SIDE_PATH = "/me"  # the PWA's Min side

_CHANNEL = {
    "nb": {"email": "på e-post", "sms": "på SMS"},
    "en": {"email": "by e-mail", "sms": "by text message"},
}
_TEXTS = {
    "nb": {
        "ask_title": "Vil du slutte å få tilbud {channel} fra {club}?",
        "ask_lead": "Du er fortsatt medlem og beholder stemplene og belønningene dine.",
        "ask_button": "Ja, meld meg av",
        "ask_keep": "Vil du fortsatt ha tilbudene, kan du bare lukke siden.",
        "done_title": "Du er meldt av.",
        "done_lead": "Du får ikke flere tilbud {channel} fra {club}.",
        "done_change": "Du kan ombestemme deg når som helst på",
        "min_side": "Min side",
        "left_title": "Du er ikke lenger medlem",
        "left_lead": "Du har meldt deg ut av {club}, så vi sender deg ingenting.",
        "busy_title": "For mange forsøk",
        "busy_lead": "Vent litt og prøv igjen.",
    },
    "en": {
        "ask_title": "Do you want to stop getting offers {channel} from {club}?",
        "ask_lead": "You stay a member and keep your stamps and rewards.",
        "ask_button": "Yes, unsubscribe me",
        "ask_keep": "If you still want the offers, just close this page.",
        "done_title": "You are unsubscribed.",
        "done_lead": "You will get no more offers {channel} from {club}.",
        "done_change": "You can change your mind at any time on",
        "min_side": "My page",
        "left_title": "You are no longer a member",
        "left_lead": "You have left {club}, so we send you nothing.",
        "busy_title": "Too many tries",
        "busy_lead": "Wait a little and try again.",
    },
}
_BOTH_LANGUAGES = string.Template(
    '<h1 class="opt-out__title">$title_nb</h1>\n'
    '<p class="opt-out__lead">$lead_nb</p>\n'
    '<div lang="en" class="opt-out__other-lang">\n'
    '<h2 class="opt-out__title opt-out__title--small">$title_en</h2>\n'
    '<p class="opt-out__lead">$lead_en</p>\n'
    "</div>"
)
_NOT_FOUND = {
    "title_nb": "Lenken virker ikke",
    "lead_nb": "Sjekk at du åpnet hele lenken fra e-posten eller SMS-en.",
    "title_en": "This link does not work",
    "lead_en": "Check that you opened the whole link from the e-mail or text message.",
}
_ASK = string.Template(
    '<h1 class="opt-out__title" data-testid="opt-out-question">$title</h1>\n'
    '<p class="opt-out__lead">$lead</p>\n'
    '<form method="post" action="$action" class="opt-out__form">\n'
    '<button type="submit" class="opt-out__button" data-testid="opt-out-confirm">$button</button>\n'
    "</form>\n"
    '<p class="opt-out__note">$keep</p>'
)
_DONE = string.Template(
    '<div class="opt-out__check" aria-hidden="true"></div>\n'
    '<h1 class="opt-out__title" data-testid="opt-out-done">$title</h1>\n'
    '<p class="opt-out__lead">$lead</p>\n'
    '<p class="opt-out__note">$change <a href="$min_side_path" data-testid="opt-out-min-side">$min_side</a>.</p>'
)
_MESSAGE = string.Template('<h1 class="opt-out__title">$title</h1>\n<p class="opt-out__lead">$lead</p>')


@lru_cache(maxsize=1)
def _page() -> string.Template:
    return string.Template((TEMPLATES / "opt_out_page.html").read_text(encoding="utf-8"))


def render(view: OptOutView, action: str) -> tuple[int, str]:
    """The HTTP status and the page; `action` is the page's own path, which the button posts to."""
    if view.state == "not_found":
        return 404, _both_languages(view, _NOT_FOUND)
    if view.lang is None:  # too many guesses: whose link it was is not known
        nb, en = _TEXTS["nb"], _TEXTS["en"]
        busy = {"title_nb": nb["busy_title"], "lead_nb": nb["busy_lead"]}
        return 429, _both_languages(view, {**busy, "title_en": en["busy_title"], "lead_en": en["busy_lead"]})
    texts = _TEXTS[view.lang]
    say = {"club": view.club_name, "channel": _CHANNEL[view.lang][view.channel]}
    e = html.escape
    if view.state == "ask":
        title = texts["ask_title"].format(**say)
        content = _ASK.substitute(
            title=e(title),
            lead=e(texts["ask_lead"]),
            action=e(action, quote=True),
            button=e(texts["ask_button"]),
            keep=e(texts["ask_keep"]),
        )
        return 200, _frame(view, view.lang, title, content)
    if view.state == "done":
        content = _DONE.substitute(
            title=e(texts["done_title"]),
            lead=e(texts["done_lead"].format(**say)),
            change=e(texts["done_change"]),
            min_side_path=MIN_SIDE_PATH,
            min_side=e(texts["min_side"]),
        )
        return 200, _frame(view, view.lang, texts["done_title"], content)
    key, status = ("left", 200) if view.state == "not_member" else ("busy", 429)
    title = texts[f"{key}_title"]
    content = _MESSAGE.substitute(title=e(title), lead=e(texts[f"{key}_lead"].format(**say)))
    return status, _frame(view, view.lang, title, content)


def _both_languages(view: OptOutView, texts: dict[str, str]) -> str:
    content = _BOTH_LANGUAGES.substitute({k: html.escape(v) for k, v in texts.items()})
    return _frame(view, "nb", f"{texts['title_nb']} / {texts['title_en']}", content)


def _frame(view: OptOutView, lang: str, title: str, content: str) -> str:
    page_title = f"{title} – {view.club_name}" if view.club_name else title
    club = html.escape(view.club_name)
    return _page().substitute(
        lang=lang, page_title=html.escape(page_title), state=view.state, club=club, content=content
    )
