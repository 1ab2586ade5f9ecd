"""The Parties, with their groupings."""
from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from tracker.extensions import db
from tracker.i18n import current_language
from tracker.parties.models import REGIONAL_GROUPS, Party

bp = Blueprint("parties", __name__, url_prefix="/parties")

REGIONAL_GROUP_NAMES = {
    "african": _l("African Group"),
    "asia_pacific": _l("Asia-Pacific Group"),
    "ceeg": _l("Central and Eastern European Group"),
    "grulac": _l("Latin American and Caribbean Group (GRULAC)"),
    "weog": _l("Western European and Others Group (WEOG)"),
}
assert set(REGIONAL_GROUP_NAMES) == set(REGIONAL_GROUPS)

STATUS_FILTERS = {
    "cartagena": _l("Parties to the Cartagena Protocol"),
    "supplementary": _l("Parties to the Supplementary Protocol"),
    "non_party": _l("Not a Party to the Cartagena Protocol"),
    "all": _l("All States"),
}


@bp.get("")
def index():
    args = request.args
    status = args.get("status") if args.get("status") in STATUS_FILTERS else "cartagena"
    query = db.select(Party)
    if status == "cartagena":
        query = query.where(Party.cartagena_party.is_(True))
    elif status == "supplementary":
        query = query.where(Party.supplementary_protocol_party.is_(True))
    elif status == "non_party":
        query = query.where(Party.cartagena_party.is_(False))
    if args.get("group") in REGIONAL_GROUPS:
        query = query.where(Party.un_regional_group == args["group"])
    if args.get("ldc") == "1":
        query = query.where(Party.ldc.is_(True))
    if args.get("sids") == "1":
        query = query.where(Party.sids.is_(True))
    language = current_language()
    parties = sorted(db.session.scalars(query), key=lambda p: p.name(language))
    return render_template("parties/index.html", parties=parties, status=status, args=args,
                           REGIONAL_GROUP_NAMES=REGIONAL_GROUP_NAMES, STATUS_FILTERS=STATUS_FILTERS)


@bp.get("/<iso3>")
def detail(iso3):
    party = db.session.scalar(db.select(Party).where(Party.iso3 == iso3.upper())) or abort(404)
    return render_template("parties/detail.html", party=party, REGIONAL_GROUP_NAMES=REGIONAL_GROUP_NAMES)
