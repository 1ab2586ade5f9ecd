"""Demo cycles, assessments and Party activities (filled in below)."""


def load_demo_assessments() -> list[str]:
    return []
