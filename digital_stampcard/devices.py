"""Naming a device from its browser's User-Agent, so people recognise it in a list of sessions."""

from __future__ import annotations

_BROWSERS = (
    ("EdgA", "Edge"),
    ("Edg/", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("FxiOS", "Firefox"),
    ("Firefox", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "Mac"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str, fallback: str = "") -> str:
    """e.g. "Chrome · Android". The order matters: Edge and Chrome on iOS also say "Chrome"/"Safari",
    and Android also says "Linux"."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or fallback
