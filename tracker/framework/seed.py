import json
from pathlib import Path

from tracker.extensions import db
from tracker.framework.models import FRAMEWORK_LISTS, Goal
from tracker.seeding import upsert

FRAMEWORK_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "framework.json"
GOAL_FIELDS = ("text_zh", "text_en", "cb_text_zh", "cb_text_en", "outcome_zh", "outcome_en",
               "cb_outcome_zh", "cb_outcome_en", "actors_zh", "actors_en")


def load_framework(path: Path = FRAMEWORK_FILE) -> dict[str, tuple[int, int]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    results = {"goals": upsert(Goal, "code", [
        {"code": g["code"], "section": g["section"], "position": position,
         **{field: g.get(field, "") for field in GOAL_FIELDS}}
        for position, g in enumerate(data["goals"], start=1)
    ])}
    goal_ids = dict(db.session.execute(db.select(Goal.code, Goal.id)).all())
    for name, model in FRAMEWORK_LISTS.items():
        results[name] = upsert(model, "code", [
            {"code": item["code"], "goal_id": goal_ids[item["goal"]], "position": position,
             "text_zh": item["text_zh"], "text_en": item["text_en"],
             "heading_zh": item.get("heading_zh", ""), "heading_en": item.get("heading_en", "")}
            for position, item in enumerate(data[name], start=1)
        ])
    return results
