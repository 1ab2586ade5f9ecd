"""Build seed_data/parties.csv from the reference list and the decisions in party_decisions.csv.

    python seed_data/build_parties.py [path/to/reference/parties.csv]

The reference list is kept as it is; every departure from it is a row of party_decisions.csv
with its reason, and is repeated in the `notes` column of the output.
"""
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "reference" / "parties.csv"
GROUPS = {
    "African Group": "african",
    "Asia-Pacific Group": "asia_pacific",
    "Eastern European Group": "ceeg",
    "GRULAC": "grulac",
    "WEOG": "weog",
}
COLUMNS = ["iso3", "iso2", "m49", "name_en", "name_fr", "name_es", "name_zh", "name_ru", "name_ar",
           "un_regional_group", "cartagena_party", "supplementary_protocol_party", "ldc", "sids",
           "economy", "notes"]

# Country classification of the UN World Economic Situation and Prospects (WESP 2024, statistical annex,
# table A): developed economies and economies in transition; every other State is a developing economy.
# Offers use it for eligibility ("developing countries and economies in transition").
DEVELOPED = {
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA",
    "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",  # EU members
    "ISL", "NOR", "CHE", "GBR", "LIE", "AND", "MCO", "SMR",  # other Europe
    "AUS", "CAN", "JPN", "NZL", "USA", "EUU",
}
TRANSITION = {
    "ALB", "BIH", "MNE", "MKD", "SRB",  # South-Eastern Europe
    "ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB",  # CIS and Georgia
}


def build(source: Path) -> list[dict]:
    decisions = list(csv.DictReader(open(HERE / "party_decisions.csv", encoding="utf-8")))
    rows = []
    for ref in csv.DictReader(open(source, encoding="utf-8")):
        iso3 = ref["iso3"] or ("EUU" if ref["name_en"] == "European Union" else "")
        if not iso3:
            raise SystemExit(f"row without iso3: {ref}")
        row = {
            "iso3": iso3, "iso2": ref["iso2"], "m49": ref["m49"],
            **{f"name_{lang}": ref[f"name_{lang}"] for lang in ("en", "fr", "es", "zh", "ru", "ar")},
            "un_regional_group": GROUPS.get(ref["un_regional_group"], ""),
            "cartagena_party": ref["cartagena_party"],
            "supplementary_protocol_party": ref["nkl_supplementary_party"],
            "ldc": ref["ldc_2024"], "sids": ref["sids"],
            "economy": "developed" if iso3 in DEVELOPED else "transition" if iso3 in TRANSITION else "developing",
            "notes": "",
        }
        notes = []
        for decision in decisions:
            if decision["iso3"] == iso3:
                row[decision["field"]] = decision["value"]
                notes.append(decision["reason"])
        row["notes"] = " ".join(notes)
        unresolved = [v for k, v in row.items() if k in ("sids", "ldc", "cartagena_party") and v not in ("Y", "N")]
        if unresolved or (ref["un_regional_group"] and not row["un_regional_group"] and iso3 != "EUU"):
            raise SystemExit(f"{iso3}: value needs a decision in party_decisions.csv: {ref}")
        rows.append(row)
    return rows


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    rows = build(source)
    with open(HERE / "parties.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    parties = sum(r["cartagena_party"] == "Y" for r in rows)
    supplementary = sum(r["supplementary_protocol_party"] == "Y" for r in rows)
    print(f"{len(rows)} rows, {parties} Cartagena Parties, {supplementary} Supplementary Protocol Parties")


if __name__ == "__main__":
    main()
