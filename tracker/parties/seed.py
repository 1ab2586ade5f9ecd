import csv
from pathlib import Path

from tracker.parties.models import Party
from tracker.seeding import upsert

PARTIES_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "parties.csv"
FLAGS = ("cartagena_party", "supplementary_protocol_party", "ldc", "sids")
NAMES = ("name_en", "name_fr", "name_es", "name_zh", "name_ru", "name_ar")


def load_parties(path: Path = PARTIES_FILE) -> tuple[int, int]:
    with open(path, encoding="utf-8", newline="") as source:
        records = [
            {"iso3": row["iso3"], "iso2": row["iso2"], "m49": row["m49"] or None,
             "un_regional_group": row["un_regional_group"] or None, "economy": row["economy"],
             **{name: row[name] for name in NAMES},
             **{flag: row[flag] == "Y" for flag in FLAGS}}
            for row in csv.DictReader(source)
        ]
    return upsert(Party, "iso3", records)
