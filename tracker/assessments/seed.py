import json
from pathlib import Path

from tracker.assessments.models import DeclaredQuestion
from tracker.seeding import upsert

QUESTIONS_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "declared_questions.json"


def load_declared_questions(path: Path = QUESTIONS_FILE) -> tuple[int, int]:
    questions = json.loads(path.read_text(encoding="utf-8"))
    return upsert(DeclaredQuestion, "code", [
        {"code": q["code"], "indicator_code": q["indicator"], "kind": q["kind"], "position": position,
         "supplementary_only": q.get("supplementary_only", False), "carry_over": q.get("carry_over", True),
         "text_en": q["text_en"], "text_zh": q["text_zh"]}
        for position, q in enumerate(questions, start=1)
    ])
