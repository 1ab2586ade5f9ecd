from tracker.extensions import db
from tracker.parties.models import Party

COLUMNS = ["iso3", "iso2", "name", "name_zh", "un_regional_group", "cartagena_party",
           "supplementary_protocol_party", "ldc", "sids"]


def parties_data(language: str = "en") -> list[dict]:
    return [
        {"iso3": p.iso3, "iso2": p.iso2, "name": p.name(language), "name_zh": p.name("zh"),
         "un_regional_group": p.un_regional_group, "cartagena_party": p.cartagena_party,
         "supplementary_protocol_party": p.supplementary_protocol_party, "ldc": p.ldc, "sids": p.sids}
        for p in db.session.scalars(db.select(Party).order_by(Party.iso3))
    ]
