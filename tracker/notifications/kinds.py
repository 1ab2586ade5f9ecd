"""The kinds of notification: who may receive each, how often it is mailed unless the user chooses otherwise,
and its texts. The texts are rendered when shown, in the language of whoever reads them (the UI language in the
app, the recipient's language in e-mails).

Defaults: events someone waits for or must act on go out at once; reports of what jobs found (new suggestions,
stalled matches, offers about to close, recomputed indicators) go into the daily digest.

| kind                    | default     | key (unique per user and kind)      |
|-------------------------|-------------|-------------------------------------|
| account_approved        | immediately | ""                                  |
| cycle_opened            | immediately | cycle id                            |
| cycle_closing           | immediately | cycle id:14, :7 or :1 (days left)   |
| suggestions_for_needs   | daily       | the day (ISO date)                  |
| suggestions_for_offers  | daily       | the day (ISO date)                  |
| match_proposed          | immediately | match id                            |
| match_agreed            | immediately | match id                            |
| match_declined          | immediately | match id                            |
| match_delivered         | immediately | match id                            |
| match_stalled           | daily       | match id:last step time:30 or :60   |
| offer_expiring          | daily       | offer id:closing date               |
| indicators_recomputed   | daily       | cycle id:time of the computation    |

Params are plain JSON values, shown as they are except: a {language: text} mapping (a Party's name) shows the
reader's language; a key ending in `_on` holds an ISO date, shown as a long date in the reader's language;
`role`, `status` and `reason` hold codes, shown as their labels; `note` is text a user wrote, shown after the
body as it is.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from tracker.accounts.models import PARTY_ROLES, PROVIDER, ROLES, SECRETARIAT
from tracker.i18n import current_language
from tracker.matching.models import DECLINE_REASONS, MATCH_STATUSES
from tracker.notifications.models import DAILY, IMMEDIATELY


@dataclass(frozen=True)
class Kind:
    label: object          # on the preferences page
    default: str           # a frequency
    roles: tuple[str, ...]  # who may receive it, so who sees it on the preferences page
    title: object
    body: object


ALL_ROLES = (*PARTY_ROLES, PROVIDER, SECRETARIAT)
MATCH_ROLES = (*PARTY_ROLES, PROVIDER)
NEW_SUGGESTIONS = _l("New suggestions: %(count)d. Open your matches to propose the ones that fit.")

ACCOUNT_APPROVED = "account_approved"
CYCLE_OPENED = "cycle_opened"
CYCLE_CLOSING = "cycle_closing"
SUGGESTIONS_FOR_NEEDS = "suggestions_for_needs"
SUGGESTIONS_FOR_OFFERS = "suggestions_for_offers"
MATCH_PROPOSED = "match_proposed"
MATCH_AGREED = "match_agreed"
MATCH_DECLINED = "match_declined"
MATCH_DELIVERED = "match_delivered"
MATCH_STALLED = "match_stalled"
OFFER_EXPIRING = "offer_expiring"
INDICATORS_RECOMPUTED = "indicators_recomputed"

KINDS = {
    ACCOUNT_APPROVED: Kind(
        _l("Your account is approved"), IMMEDIATELY, (),
        _l("Your Biosafety CB Tracker account is approved"),
        _l("The Secretariat has approved your account (%(role)s). You can now log in.")),
    CYCLE_OPENED: Kind(
        _l("An assessment cycle opens"), IMMEDIATELY, PARTY_ROLES,
        _l("The assessment cycle %(cycle)s is open"),
        _l("Your Party can now fill in and submit its self-assessment of capacity-building needs. The cycle "
           "closes on %(closes_on)s.")),
    CYCLE_CLOSING: Kind(
        _l("An assessment cycle closes in 14, 7 or 1 days and your Party has not submitted"), IMMEDIATELY,
        PARTY_ROLES,
        _l("The assessment cycle %(cycle)s closes on %(closes_on)s"),
        _l("Your Party has not submitted its self-assessment for this cycle yet. Please submit it before the "
           "cycle closes.")),
    SUGGESTIONS_FOR_NEEDS: Kind(
        _l("New suggested offers for your Party's needs"), DAILY, PARTY_ROLES,
        _l("New suggested offers for your Party's needs"), NEW_SUGGESTIONS),
    SUGGESTIONS_FOR_OFFERS: Kind(
        _l("New suggested needs for your organisation's offers"), DAILY, (PROVIDER,),
        _l("New suggested needs for your organisation's offers"), NEW_SUGGESTIONS),
    MATCH_PROPOSED: Kind(
        _l("A match is proposed to you"), IMMEDIATELY, MATCH_ROLES,
        _l("Match proposed: %(offer)s"),
        _l("%(actor)s proposes this match (%(party)s, key area %(key_area)s). Agree or decline it on the "
           "match's page.")),
    MATCH_AGREED: Kind(
        _l("A match you proposed is agreed"), IMMEDIATELY, MATCH_ROLES,
        _l("Match agreed: %(offer)s"),
        _l("%(actor)s agreed to the match (%(party)s, key area %(key_area)s).")),
    MATCH_DECLINED: Kind(
        _l("A match you proposed is declined"), IMMEDIATELY, MATCH_ROLES,
        _l("Match declined: %(offer)s"),
        _l("%(actor)s declined the match (%(party)s, key area %(key_area)s). Reason: %(reason)s.")),
    MATCH_DELIVERED: Kind(
        _l("A delivery to your Party is recorded"), IMMEDIATELY, PARTY_ROLES,
        _l("Delivery recorded: %(offer)s"),
        _l("%(actor)s recorded the activity delivered to %(party)s (key area %(key_area)s). Please confirm it "
           "and rate it.")),
    MATCH_STALLED: Kind(
        _l("A match has had no step for 30 or 60 days"), DAILY, MATCH_ROLES,
        _l("No step for %(days)d days: %(offer)s"),
        _l("The match (%(party)s, key area %(key_area)s) is “%(status)s” and has waited since %(step_on)s.")),
    OFFER_EXPIRING: Kind(
        _l("An offer of your organisation closes within 14 days"), DAILY, (PROVIDER,),
        _l("Your offer closes on %(closes_on)s: %(offer)s"),
        _l("After that date no new match can be agreed on it. If it is still available, edit the offer to "
           "extend its window.")),
    INDICATORS_RECOMPUTED: Kind(
        _l("Indicators recomputed"), DAILY, (SECRETARIAT,),
        _l("Indicators recomputed for %(cycle)s"),
        _l("The indicators of the cycle %(cycle)s were computed again on %(computed_on)s.")),
}

LABELLED_CODES = {"role": ROLES, "status": MATCH_STATUSES, "reason": DECLINE_REASONS}


def kinds_for(user) -> list[str]:
    """The kinds the user may receive, in the order of KINDS."""
    return [code for code, kind in KINDS.items() if user.role in kind.roles]


def _shown(name: str, value):
    if isinstance(value, dict):
        return value.get(current_language()) or value.get("en", "")
    if name.endswith("_on") and value:
        return format_date(date.fromisoformat(value), "long")
    if name in LABELLED_CODES:
        return str(LABELLED_CODES[name].get(value, value))
    return value


def render(kind: str, params: dict) -> tuple[str, str]:
    """The title and body of a notification in the current language."""
    values = {name: _shown(name, value) for name, value in params.items()}
    spec = KINDS[kind]
    title, body = str(spec.title) % values, str(spec.body) % values
    if params.get("note"):
        body = f"{body}\n{params['note']}"
    return title, body
