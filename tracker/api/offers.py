"""Offers: the public catalogue, and an organisation's own offers written through tracker/offers/services.py."""
from dataclasses import fields as dataclass_fields

import marshmallow as ma
from sqlalchemy import func, select

from tracker.api.auth import caller, require_caller
from tracker.api.errors import apply_change, not_found
from tracker.api.schemas import (
    Blueprint, Codes, FrameworkCode, Id, LockVersion, Money, PageArgsSchema, Schema, UtcDateTime, at_most, between,
    documented, envelope, is_object_id, money_text, one_of, page_schema,
)
from tracker.clock import today
from tracker.extensions import db
from tracker.offers import permissions, services
from tracker.offers.models import CLOSED, EXPIRED, OFFER_STATUSES, OPEN, Offer
from tracker.offers.search import SORTS, Catalogue, OfferFilters, catalogue_goals, effective_status
from tracker.offers.services import MAX_CAPACITY, MAX_TEXT, MAX_TITLE, ListedOffer, OfferInput
from tracker.organisations.models import ORGANISATION_TYPES, Organisation
from tracker.organisations.services import MAX_EMAIL
from tracker.parties.models import REGIONAL_GROUPS
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, SUPPORT_TYPES

blp = Blueprint("Offers", __name__, url_prefix="/api/v1", description="Offers of capacity-building support.")

PUBLISHED_STATUSES = (OPEN, CLOSED, EXPIRED)


# --- what an offer looks like --------------------------------------------------------------------

class OrganisationRefSchema(Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    type = ma.fields.String(required=True, validate=one_of(ORGANISATION_TYPES))
    country = ma.fields.String(required=True, allow_none=True, metadata={"description": "ISO3 code."})


class EligibilitySchema(Schema):
    all = ma.fields.Boolean(required=True, metadata={"description": "Every Party to the Protocol may benefit; "
                                                                    "else any Party meeting one of the criteria."})
    regional_groups = Codes(REGIONAL_GROUPS, required=True)
    ldc = ma.fields.Boolean(required=True)
    sids = ma.fields.Boolean(required=True)
    developing = ma.fields.Boolean(required=True, metadata={
        "description": "Developing countries and economies in transition."})
    supplementary = ma.fields.Boolean(required=True, metadata={"description": "Parties to the Supplementary "
                                                                              "Protocol."})
    parties = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "ISO3 codes."})


class OfferSchema(Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=one_of(OFFER_STATUSES), metadata={
        "description": "As users see it: an open offer past its window is expired, one whose capacity is used "
                       "up is closed."})
    organisation = ma.fields.Nested(OrganisationRefSchema, required=True)
    key_areas = ma.fields.List(ma.fields.String(), required=True)
    activity_examples = ma.fields.List(ma.fields.String(), required=True)
    support_types = Codes(SUPPORT_TYPES, required=True)
    audiences = Codes(AUDIENCES, required=True)
    eligibility = ma.fields.Nested(EligibilitySchema, required=True)
    languages = Codes(LANGUAGES, required=True)
    modality = ma.fields.String(required=True, allow_none=True, validate=one_of(MODALITIES))
    capacity = ma.fields.Integer(required=True, metadata={"description": "How many Parties it can serve."})
    capacity_used = ma.fields.Integer(required=True)
    opens_on = ma.fields.Date(required=True, allow_none=True)
    closes_on = ma.fields.Date(required=True, allow_none=True)
    budget_amount = Money(required=True)
    budget_currency = ma.fields.String(required=True)
    contact_email = ma.fields.String(required=True)
    published_at = UtcDateTime(required=True, allow_none=True)
    updated_at = UtcDateTime(required=True)
    lock_version = ma.fields.Integer(required=True, metadata={"description": "Send it back with a change."})


def offer_item(listed: ListedOffer) -> dict:
    offer = listed.offer
    organisation = offer.organisation
    return {
        "id": offer.id, "title": offer.title, "description": offer.description, "status": listed.status,
        "organisation": {"id": organisation.id, "name": organisation.name, "type": organisation.type,
                         "country": organisation.country.iso3 if organisation.country else None},
        "key_areas": [area.code for area in offer.key_areas],
        "activity_examples": [example.code for example in offer.activity_examples],
        "support_types": list(offer.support_types or []), "audiences": list(offer.audiences or []),
        "eligibility": services.eligibility(offer), "languages": list(offer.languages or []),
        "modality": offer.modality, "capacity": offer.capacity, "capacity_used": listed.capacity_used,
        "opens_on": offer.opens_on, "closes_on": offer.closes_on,
        "budget_amount": money_text(offer.budget_amount), "budget_currency": offer.budget_currency or "",
        "contact_email": offer.contact_email or "", "published_at": offer.published_at,
        "updated_at": offer.updated_at, "lock_version": offer.lock_version,
    }


# --- what a provider sends -----------------------------------------------------------------------

class EligibilityInputSchema(Schema):
    all = ma.fields.Boolean(required=True)
    regional_groups = Codes(REGIONAL_GROUPS, load_default=list)
    ldc = ma.fields.Boolean(load_default=False)
    sids = ma.fields.Boolean(load_default=False)
    developing = ma.fields.Boolean(load_default=False)
    supplementary = ma.fields.Boolean(load_default=False)
    parties = ma.fields.List(ma.fields.String(validate=at_most(3)), load_default=list)


EVERY_PARTY = {"all": True, "regional_groups": [], "ldc": False, "sids": False, "developing": False,
               "supplementary": False, "parties": []}


class OfferInputSchema(Schema):
    title = ma.fields.String(required=True, validate=at_most(MAX_TITLE))
    description = ma.fields.String(load_default="", validate=at_most(MAX_TEXT))
    support_types = Codes(SUPPORT_TYPES, required=True)
    audiences = Codes(AUDIENCES, load_default=list)
    key_areas = ma.fields.List(FrameworkCode("key_areas"), required=True)
    activity_examples = ma.fields.List(FrameworkCode("activity_examples"), load_default=list)
    eligibility = ma.fields.Nested(EligibilityInputSchema, load_default=lambda: dict(EVERY_PARTY))
    languages = Codes(LANGUAGES, required=True)
    modality = ma.fields.String(load_default=None, allow_none=True, validate=one_of(MODALITIES))
    capacity = ma.fields.Integer(required=True, strict=True, validate=between(1, MAX_CAPACITY))
    opens_on = ma.fields.Date(load_default=None, allow_none=True)
    closes_on = ma.fields.Date(load_default=None, allow_none=True)
    budget_amount = ma.fields.Decimal(load_default=None, allow_none=True, metadata={"example": 1500})
    budget_currency = ma.fields.String(load_default="", validate=at_most(3))
    contact_email = ma.fields.String(load_default="", validate=at_most(MAX_EMAIL))


class OfferPatchSchema(OfferInputSchema):
    lock_version = LockVersion(
        "The offer's lock_version when it was read: a change based on an older one is refused "
        "(409).")


OFFER_PATCH = OfferPatchSchema(partial=tuple(OfferInputSchema._declared_fields))
_INPUT_FIELDS = {field.name for field in dataclass_fields(OfferInput)}


def offer_input(values: dict, base: OfferInput | None = None) -> OfferInput:
    """The service's input from the JSON body; fields the body leaves out keep their `base` values."""
    changes = {name: value for name, value in values.items() if name in _INPUT_FIELDS}
    if "eligibility" in values:
        eligibility = values["eligibility"]
        changes.update(eligible_all=eligibility["all"], eligible_groups=eligibility["regional_groups"],
                       eligible_ldc=eligibility["ldc"], eligible_sids=eligibility["sids"],
                       eligible_developing=eligibility["developing"],
                       eligible_supplementary=eligibility["supplementary"],
                       eligible_parties=eligibility["parties"])
    if base is None:
        return OfferInput(**changes)
    return OfferInput(**{**vars(base), **changes})


def stored_input(offer: Offer) -> OfferInput:
    """The input that would save the offer as it is."""
    return OfferInput(
        title=offer.title, description=offer.description, support_types=list(offer.support_types or []),
        audiences=list(offer.audiences or []), key_areas=[area.code for area in offer.key_areas],
        activity_examples=[example.code for example in offer.activity_examples],
        eligible_all=offer.eligible_all, eligible_groups=list(offer.eligible_groups or []),
        eligible_ldc=offer.eligible_ldc, eligible_sids=offer.eligible_sids,
        eligible_developing=offer.eligible_developing, eligible_supplementary=offer.eligible_supplementary,
        eligible_parties=[party.iso3 for party in offer.eligible_parties], languages=list(offer.languages or []),
        modality=offer.modality, capacity=offer.capacity, opens_on=offer.opens_on, closes_on=offer.closes_on,
        budget_amount=offer.budget_amount, budget_currency=offer.budget_currency,
        contact_email=offer.contact_email,
    )


# --- the catalogue ------------------------------------------------------------------------------

class OfferArgsSchema(PageArgsSchema):
    q = ma.fields.String(validate=at_most(200), metadata={
        "description": "Words to find in the title, description or key areas (English or Chinese)."})
    goal = ma.fields.List(FrameworkCode("goals"))
    key_area = ma.fields.List(FrameworkCode("key_areas"))
    support_type = Codes(SUPPORT_TYPES)
    modality = Codes(MODALITIES)
    language = Codes(LANGUAGES)
    regional_group = Codes(REGIONAL_GROUPS, metadata={"description": "Offers a Party of the group may receive."})
    status = Codes(PUBLISHED_STATUSES, metadata={"description": "Open (the default), closed or expired offers."})
    open_now = ma.fields.Boolean(load_default=False, metadata={"description": "Only offers whose window has "
                                                                             "opened."})
    organisation = Id(strict=False, metadata={"description": "Only this organisation's offers."})
    sort = ma.fields.String(load_default="relevance", validate=one_of(SORTS), metadata={
        "description": "By best match (when searching), or by closing date."})


def _listed_page(query, args: dict) -> tuple[list[ListedOffer], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.options(
        db.joinedload(Offer.organisation).joinedload(Organisation.country), db.selectinload(Offer.key_areas),
        db.selectinload(Offer.activity_examples), db.selectinload(Offer.eligible_parties),
    ).limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])).all()
    return [ListedOffer(offer, status, used or 0) for offer, status, used in rows], total


@blp.route("/offers", methods=["GET"])
@blp.arguments(OfferArgsSchema, location="query")
@blp.response(200, page_schema(OfferSchema, "OfferPage"))
@documented(blp)
def offers(args):
    """The catalogue: published offers, as the offers page finds them"""
    goals = catalogue_goals()
    statuses = set(args.get("status") or [OPEN])
    filters = OfferFilters(
        q=args.get("q", ""), goals=args.get("goal", []), key_areas=args.get("key_area", []),
        support_types=args.get("support_type", []), regional_groups=args.get("regional_group", []),
        languages=args.get("language", []), modalities=args.get("modality", []), open_now=args["open_now"],
        include_closed=statuses != {OPEN}, organisation_id=args.get("organisation"), sort=args["sort"])
    now = today()
    catalogue = Catalogue(filters, now, goals)
    if filters.include_closed:
        catalogue.scope.append(effective_status(now, catalogue.used).in_(statuses))
    listed, total = _listed_page(catalogue.offers(), args)
    return envelope([offer_item(row) for row in listed], args["page"], args["per_page"], total)


def _visible_offer(offer_id: int) -> ListedOffer:
    """The offer if the caller may see it (a draft only its organisation and the Secretariat), else 404."""
    listed = services.listed_offer(offer_id) if is_object_id(offer_id) else None
    if listed is None or not permissions.can_view_offer(caller(), listed.offer):
        raise not_found()
    return listed


@blp.route("/offers/<object_id:offer_id>", methods=["GET"])
@blp.response(200, OfferSchema)
@documented(blp, 404)
def offer(offer_id):
    """One offer (a draft only for its organisation's users and the Secretariat)"""
    return offer_item(_visible_offer(offer_id))


# --- writing ------------------------------------------------------------------------------------

@blp.route("/offers", methods=["POST"])
@blp.arguments(OfferInputSchema)
@blp.response(201, OfferSchema)
@documented(blp, 403, 413, private=True)
def create_offer(values):
    """A new offer of the caller's organisation, saved as a draft"""
    user = require_caller()
    created = apply_change(lambda: services.create_offer(user.organisation, offer_input(values), actor=user))
    return offer_item(services.listed_offer(created.id))


@blp.route("/offers/<object_id:offer_id>", methods=["PATCH"])
@blp.arguments(OFFER_PATCH)
@blp.response(200, OfferSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def update_offer(values, offer_id):
    """Change an offer: the fields sent replace the stored ones, the others are kept"""
    user = require_caller()
    offer = _visible_offer(offer_id).offer
    data = offer_input(values, stored_input(offer))
    apply_change(lambda: services.update_offer(offer, data, lock_version=values["lock_version"], actor=user))
    return offer_item(services.listed_offer(offer_id))


@blp.route("/offers/<object_id:offer_id>/publish", methods=["POST"])
@blp.response(200, OfferSchema)
@documented(blp, 403, 404, 422, private=True)
def publish_offer(offer_id):
    """Publish the offer in the catalogue (its organisation must be vetted)"""
    user = require_caller()
    offer = _visible_offer(offer_id).offer
    apply_change(lambda: services.publish_offer(offer, actor=user))
    return offer_item(services.listed_offer(offer_id))


@blp.route("/offers/<object_id:offer_id>/close", methods=["POST"])
@blp.response(200, OfferSchema)
@documented(blp, 403, 404, 422, private=True)
def close_offer(offer_id):
    """Stop the offer taking requests"""
    user = require_caller()
    offer = _visible_offer(offer_id).offer
    apply_change(lambda: services.close_offer(offer, actor=user))
    return offer_item(services.listed_offer(offer_id))
