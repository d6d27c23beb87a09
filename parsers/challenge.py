"""Anti-bot challenge pages, named so that a crawler can tell "blocked" from "not a report".

Some government sites answer with a script that sets a cookie and reloads (Ruishu's ``$_ts``
with HTTP 412, ``__jsl_clearance`` with 521, WZWS's ``wzws_cid``). Such a page is never a
report; the reason says which challenge it was. Detection only, never circumvention.
"""

from __future__ import annotations

_CHALLENGES = (
    (("$_ts=", "$_ts =", "$_ts.", "$_ts["), "Ruishu $_ts challenge"),
    (("__jsl_clearance",), "__jsl_clearance cookie challenge"),
    (("wzws_cid", "WZWS_CONFIRM_PREFIX_LABEL"), "WZWS cookie challenge"),
)


def challenge_of(html: str) -> str | None:
    """The kind of anti-bot challenge the page carries, if any."""
    for needles, name in _CHALLENGES:
        if any(needle in html for needle in needles):
            return name
    return None
