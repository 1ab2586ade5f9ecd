from tracker.extensions import db
from tracker.framework.models import FRAMEWORK_LISTS, Goal
from tracker.framework.seed import GOAL_FIELDS


def framework_data() -> dict[str, list[dict]]:
    goals = db.session.scalars(db.select(Goal).order_by(Goal.position)).all()
    codes = {goal.id: goal.code for goal in goals}
    data = {"goals": [
        {"code": goal.code, "goal": goal.code, "section": goal.section,
         **{field: getattr(goal, field) for field in GOAL_FIELDS}}
        for goal in goals
    ]}
    for name, model in FRAMEWORK_LISTS.items():
        data[name] = [
            {"code": item.code, "goal": codes[item.goal_id], "text_zh": item.text_zh, "text_en": item.text_en,
             **({"heading_zh": item.heading_zh, "heading_en": item.heading_en} if item.heading_zh else {})}
            for item in db.session.scalars(db.select(model).order_by(model.position))
        ]
    return data


CSV_COLUMNS = ["list", "code", "goal", "text_zh", "text_en"]


def framework_rows() -> list[dict]:
    """Every framework item as one row of a flat table, with the list it belongs to."""
    return [{"list": name, **item} for name, items in framework_data().items() for item in items]
