"""Public pages of the Implementation Plan and the CB Action Plan."""
from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea

bp = Blueprint("framework", __name__, url_prefix="/framework")

SECTIONS = {"A": _l("Areas for implementation"), "B": _l("Enabling environment")}


@bp.get("")
def index():
    goals = db.session.scalars(
        db.select(Goal).options(db.selectinload(Goal.key_areas)).order_by(Goal.position)
    ).all()
    return render_template("framework/index.html", goals=goals, SECTIONS=SECTIONS)


@bp.get("/<code>")
def goal(code):
    goal = db.session.scalar(
        db.select(Goal).where(Goal.code == code).options(
            db.selectinload(Goal.objectives), db.selectinload(Goal.plan_indicators),
            db.selectinload(Goal.key_areas), db.selectinload(Goal.activity_examples),
            db.selectinload(Goal.cb_indicators),
        )
    ) or abort(404)
    neighbours = db.session.execute(
        db.select(Goal.position, Goal.code).where(Goal.position.in_([goal.position - 1, goal.position + 1]))
    ).all()
    previous = next((c for p, c in neighbours if p < goal.position), None)
    following = next((c for p, c in neighbours if p > goal.position), None)
    return render_template("framework/goal.html", goal=goal, SECTIONS=SECTIONS,
                           previous=previous, following=following)


@bp.get("/key-areas/<code>")
def key_area(code):
    area = db.session.scalar(
        db.select(KeyArea).where(KeyArea.code == code).options(
            db.joinedload(KeyArea.goal).selectinload(Goal.activity_examples),
            db.joinedload(KeyArea.goal).selectinload(Goal.cb_indicators),
            db.joinedload(KeyArea.goal).selectinload(Goal.key_areas),
        )
    ) or abort(404)
    return render_template("framework/key_area.html", area=area, goal=area.goal)
