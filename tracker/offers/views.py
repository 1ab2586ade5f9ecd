"""The offers catalogue and providers' offer pages."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from tracker.accounts.forms import ActionForm
from tracker.accounts.permissions import is_secretariat
from tracker.clock import today
from tracker.core.flow import apply_change
from tracker.exports import send_table
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.i18n import current_language, localized
from tracker.offers import permissions, services
from tracker.offers.exports import COLUMNS, FORMATS, offer_rows, table_rows
from tracker.offers.forms import OfferForm, offer_form_data
from tracker.offers.models import Offer
from tracker.offers.search import SORTS, OfferFilters, catalogue_goals
from tracker.organisations.models import Organisation
from tracker.parties.models import REGIONAL_GROUPS
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, SUPPORT_TYPES

bp = Blueprint("offers", __name__)

SORT_NAMES = {"relevance": _l("Best match"), "closing": _l("Closing date")}
LABELS = {"support_type_names": SUPPORT_TYPES, "modality_names": MODALITIES, "language_names": LANGUAGES,
          "group_names": REGIONAL_GROUP_NAMES, "audience_names": AUDIENCES}
# The query-string names of the catalogue's facets, and the codes each accepts.
_LIST_ARGS = {"goal": "goals", "area": "key_areas", "support": "support_types", "group": "regional_groups",
              "language": "languages", "modality": "modalities"}


def _filters_from_args(goals) -> OfferFilters:
    """The catalogue's filters from the query string; unknown codes are dropped."""
    args = request.args
    known = {
        "goal": {goal.code for goal in goals},
        "area": {area.code for goal in goals for area in goal.key_areas},
        "support": set(SUPPORT_TYPES), "group": set(REGIONAL_GROUPS), "language": set(LANGUAGES),
        "modality": set(MODALITIES),
    }
    lists = {name: [value for value in dict.fromkeys(args.getlist(arg)) if value in known[arg]]
             for arg, name in _LIST_ARGS.items()}
    organisation = args.get("organisation", "")
    return OfferFilters(
        q=args.get("q", "")[:200],
        open_now=args.get("open_now") == "1",
        include_closed=args.get("include_closed") == "1",
        organisation_id=int(organisation) if organisation.isdecimal() and len(organisation) < 10 else None,
        sort=args.get("sort") if args.get("sort") in SORTS else "relevance",
        **lists,
    )


@bp.get("/offers")
def catalogue():
    goals = catalogue_goals()
    filters = _filters_from_args(goals)
    page, counts = services.search_offers(filters, requested_page(), goals=goals)
    organisation = db.session.get(Organisation, filters.organisation_id) if filters.organisation_id else None
    args = _catalogue_args()
    return render_template("offers/catalogue.html", page=page, counts=counts, filters=filters, goals=goals,
                           organisation=organisation, args=args, active=_active_filters(filters, goals, organisation),
                           FORMATS=FORMATS, REGIONAL_GROUPS=REGIONAL_GROUPS, SORT_NAMES=SORT_NAMES, **LABELS)


def _catalogue_args() -> dict[str, list[str]]:
    """The query string without the page, for links that keep the filters (pages, downloads)."""
    return {key: request.args.getlist(key) for key in request.args if key not in ("page", "format")}


def _url_without(arg: str, value: str | None = None) -> str:
    """The catalogue with one filter value (or the whole argument) removed."""
    args = _catalogue_args()
    args[arg] = [v for v in args.get(arg, []) if value is not None and v != value]
    return url_for("offers.catalogue", **{key: values for key, values in args.items() if values})


def _active_filters(filters: OfferFilters, goals, organisation) -> list[tuple[str, str]]:
    """(label, link that removes it) for each filter in force, so each can be undone in one click."""
    goal_names = {goal.code: f"{goal.code} {localized(goal)}" for goal in goals}
    area_names = {area.code: area.code for goal in goals for area in goal.key_areas}
    names = {"goal": goal_names, "area": area_names, "support": SUPPORT_TYPES, "group": REGIONAL_GROUP_NAMES,
             "language": LANGUAGES, "modality": MODALITIES}
    active = []
    if filters.q.strip():
        active.append((_("Search: %(text)s", text=filters.q.strip()), _url_without("q")))
    for arg, name in _LIST_ARGS.items():
        for value in getattr(filters, name):
            active.append((str(names[arg][value]), _url_without(arg, value)))
    if filters.open_now:
        active.append((_("Open now"), _url_without("open_now")))
    if filters.include_closed:
        active.append((_("Closed and expired offers too"), _url_without("include_closed")))
    if organisation is not None:
        active.append((_("Offers of %(name)s", name=organisation.name), _url_without("organisation")))
    return active


@bp.get("/offers/export")
def export():
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        abort(404)
    goals = catalogue_goals()
    rows = offer_rows(services.all_matching_offers(_filters_from_args(goals), goals=goals))
    return send_table(table_rows(rows, fmt), COLUMNS, fmt, f"offers-{today().isoformat()}")


def _listed_or_404(offer_id: int) -> services.ListedOffer:
    return services.listed_offer(offer_id) or abort(404)


@bp.get("/offers/<int:offer_id>")
def detail(offer_id):
    listed = _listed_or_404(offer_id)
    if not permissions.can_view_offer(current_user, listed.offer):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        abort(403)
    return render_template("offers/detail.html", listed=listed, offer=listed.offer,
                           eligibility=services.eligibility(listed.offer),
                           can_edit=permissions.can_edit_offer(current_user, listed.offer), **LABELS)


@bp.get("/my-offers")
@login_required
def mine():
    if not permissions.can_list_own_offers(current_user):
        abort(403)
    see_all = is_secretariat(current_user)  # a provider sees its own organisation's
    organisation = None if see_all else current_user.organisation
    page = services.organisation_offers(organisation, requested_page())
    return render_template("offers/mine.html", page=page, organisation=organisation, see_all=see_all,
                           can_create=permissions.can_create_offer(current_user, organisation), **LABELS)



def _render_form(form: OfferForm, offer: Offer | None, organisation):
    return render_template("offers/form.html", form=form, offer=offer, organisation=organisation)


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
def new():
    organisation = current_user.organisation
    if not permissions.can_create_offer(current_user, organisation):
        abort(403)
    form = OfferForm()
    form.set_choices()
    created = []
    if form.validate_on_submit() and apply_change(
            lambda: created.append(services.create_offer(organisation, form.to_input(), actor=current_user)),
            _("The offer is saved as a draft."), form=form):
        return redirect(url_for("offers.detail", offer_id=created[0].id))
    return _render_form(form, None, organisation)


def _offer_or_404(offer_id: int) -> Offer:
    return db.session.scalar(db.select(Offer).where(Offer.id == offer_id).options(
        db.joinedload(Offer.organisation), db.selectinload(Offer.key_areas),
        db.selectinload(Offer.activity_examples), db.selectinload(Offer.eligible_parties),
    )) or abort(404)


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(offer_id):
    offer = _offer_or_404(offer_id)
    if not permissions.can_edit_offer(current_user, offer):
        abort(403)
    form = OfferForm() if request.method == "POST" else OfferForm(data=offer_form_data(offer))
    form.set_choices()
    if form.validate_on_submit() and apply_change(
            lambda: services.update_offer(offer, form.to_input(), lock_version=form.lock_version.data,
                                          actor=current_user),
            _("The offer is saved."), form=form):
        return redirect(url_for("offers.detail", offer_id=offer_id))
    return _render_form(form, offer, offer.organisation)


def _status_change(offer_id: int, change, message: str):
    offer = _offer_or_404(offer_id)
    if not permissions.can_edit_offer(current_user, offer):
        abort(403)
    if ActionForm().validate_on_submit():
        apply_change(lambda: change(offer), message)
    return redirect(url_for("offers.detail", offer_id=offer_id))


@bp.post("/offers/<int:offer_id>/publish")
@login_required
def publish(offer_id):
    return _status_change(offer_id, lambda offer: services.publish_offer(offer, actor=current_user),
                          _("The offer is published: it is in the catalogue."))


@bp.post("/offers/<int:offer_id>/close")
@login_required
def close(offer_id):
    return _status_change(offer_id, lambda offer: services.close_offer(offer, actor=current_user),
                          _("The offer is closed: it no longer takes requests."))


@bp.app_template_global()
def eligibility_labels(offer, short: bool = False) -> list[str]:
    """Who may benefit from the offer, as phrases; with `short`, listed Parties are counted, not named."""
    if offer.eligible_all:
        return [_("All Parties to the Protocol")]
    labels = [str(REGIONAL_GROUP_NAMES.get(group, group)) for group in offer.eligible_groups or []]
    labels += [str(label) for flag, label in (
        (offer.eligible_ldc, _l("Least developed countries")),
        (offer.eligible_sids, _l("Small island developing States")),
        (offer.eligible_developing, _l("Developing countries and economies in transition")),
        (offer.eligible_supplementary, _l("Parties to the Supplementary Protocol")),
    ) if flag]
    parties = offer.eligible_parties
    if parties and short:
        labels.append(ngettext("%(num)d listed Party", "%(num)d listed Parties", len(parties)))
    elif parties:
        language = current_language()
        labels.append(", ".join(sorted(party.name(language) for party in parties)))
    return labels
