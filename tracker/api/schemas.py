"""What every part of the API shares: the error shape, pages of a list, fields and validators whose messages
are in the caller's language, and the argument parser."""
import json
from datetime import UTC
from http import HTTPStatus
from math import ceil

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from marshmallow import validate
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from tracker.extensions import db
from tracker.framework.seed import FRAMEWORK_FILE
from tracker.paging import MAX_PAGE
from tracker.security import MAX_ID

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50


# --- validators and fields ------------------------------------------------------------------------------

def one_of(choices) -> validate.OneOf:
    return validate.OneOf(list(choices), error=_l("Choose one of: {choices}."))


def between(low, high) -> validate.Range:
    return validate.Range(low, high, error=_l("Give a number between {min} and {max}."))


def at_most(length: int) -> validate.Length:
    return validate.Length(max=length, error=_l("Give at most {max} characters."))


def Id(*, strict: bool = True, **kwargs) -> ma.fields.Integer:  # noqa: N802  (a field factory, named like the fields)
    """An object's id: a whole number an integer column can hold (in a query string, `strict=False`: it is text)."""
    return ma.fields.Integer(strict=strict, validate=between(1, MAX_ID), **kwargs)


def LockVersion(description: str, **kwargs) -> ma.fields.Integer:  # noqa: N802
    """The object's lock_version as the client read it, sent back with a change (an older one is refused: 409)."""
    return ma.fields.Integer(required=True, strict=True, validate=between(1, MAX_ID),
                             metadata={"description": description}, **kwargs)


def Codes(choices, **kwargs) -> ma.fields.List:  # noqa: N802
    """A list of codes from `choices` (a vocabulary's keys)."""
    return ma.fields.List(ma.fields.String(validate=one_of(choices)), **kwargs)


def _framework_codes() -> dict[str, list[str]]:
    """The codes of the goals, key areas and example activities, from the file the framework is loaded from: the
    document lists them, and a code that is not one is refused like any value off a list (422)."""
    data = json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))
    return {name: [item["code"] for item in data[name]] for name in ("goals", "key_areas", "activity_examples")}


FRAMEWORK_CODES = _framework_codes()
_CODE_MESSAGES = {"goals": _l("Choose goals from the list."), "key_areas": _l("Choose key areas from the list."),
                  "activity_examples": _l("Choose example activities from the list.")}


def FrameworkCode(kind: str, **kwargs) -> ma.fields.String:  # noqa: N802
    """A goal, key area or example activity code as printed, e.g. A.8, A.8(3), A.8㈡."""
    return ma.fields.String(validate=validate.OneOf(FRAMEWORK_CODES[kind], error=_CODE_MESSAGES[kind]), **kwargs)


class UtcDateTime(ma.fields.DateTime):
    """The tracker stores naive UTC times; the API says so (…Z), as RFC 3339 wants."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text = super()._serialize(value, attr, obj, **kwargs)
        return text.replace("+00:00", "Z") if text else text


def Money(**kwargs) -> ma.fields.String:  # noqa: N802
    """An amount as a decimal string ("1500.00"), so that no cent is lost to floating point."""
    return ma.fields.String(allow_none=True, metadata={"pattern": r"^\d+\.\d{2}$", "example": "1500.00"}, **kwargs)


def money_text(amount) -> str | None:
    return None if amount is None else f"{amount:.2f}"


class Schema(ma.Schema):
    class Meta:
        ordered = True


# --- ids in paths -------------------------------------------------------------------------------------

class ObjectIdConverter(BaseConverter):
    """`<object_id:…>` in API paths: any number matches, and a view answers 404 for one no object can have
    (is_object_id). A bounded converter would refuse it instead, and on a path that also has a rule for another
    method werkzeug then answers 405, which says the wrong thing."""

    regex = r"\d+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= len(str(MAX_ID)) else MAX_ID + 1

    def to_url(self, value) -> str:
        return str(int(value))


def object_id_schema(converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def is_object_id(value: int) -> bool:
    return 1 <= value <= MAX_ID


# --- errors ---------------------------------------------------------------------------------------------

class ErrorDetailSchema(Schema):
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status, e.g. 403."})
    code = ma.fields.String(required=True, metadata={
        "description": "bad_request, unauthorized, forbidden, not_found, method_not_allowed, stale, too_large, "
                       "invalid or server_error."})
    message = ma.fields.String(required=True, metadata={"description": "What happened, in the caller's "
                                                                       "language (Accept-Language)."})
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True,
                            metadata={"description": "Messages per refused input field (dotted names for "
                                                     "nested ones); empty when the refusal is not about a field."})


class ErrorSchema(Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


# --- pages of a list ----------------------------------------------------------------------------------

class PageArgsSchema(Schema):
    page = ma.fields.Integer(load_default=1, validate=between(1, MAX_PAGE),
                             metadata={"description": "The page, from 1."})
    per_page = ma.fields.Integer(load_default=DEFAULT_PER_PAGE, validate=between(1, MAX_PER_PAGE),
                                 metadata={"description": "Items per page, 1 to 100."})


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The envelope of a page of `item_schema`: items, page, per_page, total, pages."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "page": ma.fields.Integer(required=True),
        "per_page": ma.fields.Integer(required=True),
        "total": ma.fields.Integer(required=True, metadata={"description": "Items in every page."}),
        "pages": ma.fields.Integer(required=True, metadata={"description": "Pages in all (at least 1)."}),
    }, name=name)


def envelope(items: list, page: int, per_page: int, total: int) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": max(1, ceil(total / per_page))}


def page_of_list(rows: list, args: dict) -> dict:
    """A page of rows already in memory."""
    page, per_page = args["page"], args["per_page"]
    return envelope(rows[(page - 1) * per_page:page * per_page], page, per_page, len(rows))


def page_of_query(query, args: dict, *, unique: bool = False) -> tuple[list, dict]:
    """A page of a select, and the envelope without its items (the caller turns the rows into items)."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))
    result = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    rows = list(result.unique() if unique else result)
    return rows, envelope([], page, per_page, total)


# --- parsing ----------------------------------------------------------------------------------------

def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(inner) for key, inner in value.items())
    if isinstance(value, list):
        return any(_has_nul(inner) for inner in value)
    return False


class Parser(FlaskParser):
    """webargs's parser, refusing what the database cannot store (a NUL character, as the pages refuse it) and
    JSON nested too deep to read, with 400."""

    def _raw_load_json(self, req):
        try:
            data = super()._raw_load_json(req)
            refused = _has_nul(data)
        except RecursionError:
            refused = True
        if refused:
            abort(400)
        return data


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()


# --- documentation of each operation ----------------------------------------------------------------

BEARER = "bearerAuth"
# Every request may carry a token (a bad one is 401) and may be refused as unreadable (400); a server error
# answers in the same shape.
ALWAYS = (400, 401, 500)


def documented(blp: SmorestBlueprint, *statuses: int, private: bool = False):
    """Document the operation's error answers (each in the error shape) and whether it needs a token: a
    private operation answers 401 without one, a public one answers anyone, and a token's user may see more."""
    def decorate(func):
        for status in sorted(set(ALWAYS + statuses), reverse=True):
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        security = [{BEARER: []}] if private else [{}, {BEARER: []}]
        return blp.doc(security=security)(func)
    return decorate
