#!/usr/bin/env python3
"""Build seed_data/framework.json from the Chinese text of CBD SBI recommendation 3/4.

Usage (from anywhere):
    python seed_data/build_framework.py [path-to-zh.txt]          # (re)write framework.json
    python seed_data/build_framework.py --check [path-to-zh.txt]  # compare only, exit 1 on difference

The source is a Word export of the recommendation. Its two appendix tables are parsed:
  Annex I appendix  (Implementation Plan):          goal | objectives | indicators | outcome
  Annex II appendix (Capacity-Building Action Plan): goal | key areas | activities | indicators
                                                      | outcome(s) | [actors]
A line starting with a TAB opens a new table cell; a line without a leading TAB continues the
cell above; blank lines are ignored.

Only the Chinese (*_zh) texts come from the source. English (*_en) texts are never generated
here: when framework.json already exists, every *_en field is carried over from the item with
the same list and code, so re-running the script never loses reviewed translations.
See seed_data/FRAMEWORK.md for the cleaning rules and judgement calls.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "reference" / "sbi3-rec-3-4-annexes.zh.txt"
DEFAULT_OUTPUT = REPO_ROOT / "seed_data" / "framework.json"

SOURCE_INFO = {
    "file": "sbi3-rec-3-4-annexes.zh.txt",
    "document": "CBD/SBI/REC/3/4",
    "note": (
        "Chinese texts parsed by seed_data/build_framework.py from the appendix tables of "
        "Annex I (Implementation Plan 2021-2030) and Annex II (Capacity-Building Action Plan "
        "2021-2030) of SBI recommendation 3/4; square brackets are passages still under "
        "negotiation in that draft. English texts are the project's own translation, not the "
        "official text of decisions CP-10/3 and CP-10/4. See seed_data/FRAMEWORK.md."
    ),
}

# Counts checked by hand against the printed tables (see /work/shared/reference/README.md).
EXPECTED_COUNTS = {
    "sections": 2,
    "goals": 14,
    "objectives": 35,
    "plan_indicators": 48,
    "key_areas": 41,
    "activity_examples": 46,
    "cb_indicators": 55,
}

# Items printed without their enumerator: (list, goal) -> enumerator assumed for the first line.
IMPLICIT_FIRST_ENUMERATOR = {("key_areas", "A.6"): "1"}

CIRCLED = "㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩"
LETTERS = "abcdefghijklmnopqrstuvwxyz"

ARTEFACTS = [
    re.compile(r"\[bookmark: [^\]]*\]"),      # [bookmark: _Hlk48296165]
    re.compile(r"\[footnoteRef: \d+\]"),      # [footnoteRef: 2]
    re.compile(r"\[\d+:\s+[^\]]*\]"),         # footnote body: [2:  第BS-V/16决定。]
]
SECTION_RE = re.compile(r"^([AB])\.\s+(\S.*)$")          # "A. 执行领域", "B.\t扶持性环境"
GOAL_RE = re.compile(r"^([AB]\.\d+)\.(?!\d)\s*(\S.*)$")  # "A.1. 缔约方..." (not "A.1.1.")

# Enumerator patterns per kind: group 1 = optional opening bracket printed before the
# enumerator, group 2 = enumerator label, group 3 = item text.
ENUMERATORS = {
    "objective": re.compile(r"^(\[?)\s*([AB]\.\d+\.\d+)\.\s*(.*)$"),  # A.1.1.
    "letter": re.compile(r"^(\[?)\s*\(([a-z])\)\s*(.*)$"),            # (a)
    "number": re.compile(r"^(\[?)\s*\((\d+)\)\s*(.*)$"),              # (1)
    "circled": re.compile(rf"^(\[?)\s*([{CIRCLED}])\s*(.*)$"),        # ㈠
}

ANNEX1_COLUMNS = ["objectives", "plan_indicators", "outcome"]
ANNEX2_COLUMNS = ["key_areas", "activity_examples", "cb_indicators", "cb_outcome", "actors"]
LIST_KINDS = {
    "objectives": "objective",
    "plan_indicators": "letter",
    "key_areas": "number",
    "activity_examples": "circled",
    "cb_indicators": "letter",
}
ITEM_LISTS = list(LIST_KINDS)


class ParseError(Exception):
    pass


# --------------------------------------------------------------------------- cleaning

def remove_artefacts(line: str) -> str:
    for pattern in ARTEFACTS:
        line = pattern.sub("", line)
    return line


def clean_item_text(text: str) -> str:
    """Strip surrounding whitespace and trailing list separators (；/;). Keep everything else."""
    text = text.strip()
    while text and text[-1] in "；;":
        text = text[:-1].rstrip()
    return text


# --------------------------------------------------------------------------- table reading

def read_cells(lines: list[str]) -> list[list[str]]:
    """Group the lines of one appendix into table cells, starting at the first section row."""
    cells: list[list[str]] = []
    started = False
    for raw in lines:
        line = remove_artefacts(raw.rstrip("\n"))
        if line.startswith("\t"):
            content = line[1:].strip()
            if not started:
                started = bool(SECTION_RE.match(content))
            if started:
                cells.append([content] if content else [])
        elif line.strip() and started:
            cells[-1].append(line.strip())
    return [cell for cell in cells if cell]


def split_rows(cells: list[list[str]], columns: list[str], annex: str) -> list[dict]:
    """Split cells into goal rows: {"section", "goal", "title", <column>: [lines]}."""
    rows: list[dict] = []
    section = None
    for cell in cells:
        first = cell[0]
        if m := SECTION_RE.match(first):
            section = {"code": m.group(1), "text_zh": m.group(2).strip()}
            rows.append({"section": section})
        elif m := GOAL_RE.match(first):
            if len(cell) != 1:
                raise ParseError(f"{annex}: goal title of {m.group(1)} spans several lines")
            rows.append({"goal": m.group(1), "title": m.group(2).strip(), "cells": []})
        else:
            if not rows or "goal" not in rows[-1]:
                raise ParseError(f"{annex}: table cell before any goal: {first!r}")
            rows[-1]["cells"].append(cell)
    for row in rows:
        if "goal" in row:
            if len(row["cells"]) != len(columns):
                raise ParseError(
                    f"{annex}: goal {row['goal']} has {len(row['cells'])} cells after the "
                    f"title, expected {len(columns)} ({', '.join(columns)})")
            row.update(zip(columns, row.pop("cells")))
    return rows


def expected_labels(kind: str, goal: str):
    if kind == "objective":
        return (f"{goal}.{i}" for i in range(1, 100))
    if kind == "letter":
        return iter(LETTERS)
    if kind == "number":
        return (str(i) for i in range(1, 100))
    return iter(CIRCLED)


def make_code(goal: str, kind: str, label: str) -> str:
    if kind == "objective":
        return label
    if kind in ("letter", "number"):
        return f"{goal}({label})"
    return f"{goal}{label}"


def split_items(lines: list[str], list_name: str, goal: str, notes: list[str]) -> list[dict]:
    """Split one list cell into numbered items, checking the enumerators run in order."""
    kind = LIST_KINDS[list_name]
    pattern = ENUMERATORS[kind]
    labels = expected_labels(kind, goal)
    items: list[dict] = []
    heading = None
    for line in lines:
        m = pattern.match(line)
        if m:
            bracket, label, text = m.groups()
        elif not items and (list_name, goal) in IMPLICIT_FIRST_ENUMERATOR:
            bracket, label, text = "", IMPLICIT_FIRST_ENUMERATOR[(list_name, goal)], line
            notes.append(f"{list_name} {make_code(goal, kind, label)}: printed without "
                         f"enumerator, numbered ({label}) by hand")
        elif line.endswith(("：", ":")):
            heading = line  # e.g. "对于《补充议定书》缔约方：" qualifies the items below it
            continue
        else:
            raise ParseError(f"{list_name} {goal}: line without enumerator: {line!r}")
        want = next(labels)
        if label != want:
            raise ParseError(f"{list_name} {goal}: enumerator {label!r} found, {want!r} expected")
        item = {"code": make_code(goal, kind, label), "goal": goal}
        if heading is not None:
            item["heading_zh"] = heading
            item["heading_en"] = ""
        item["text_zh"] = clean_item_text(bracket + text)
        item["text_en"] = ""
        if not item["text_zh"]:
            raise ParseError(f"{list_name} {item['code']}: empty text")
        items.append(item)
    return items


# --------------------------------------------------------------------------- building

def find_line(lines: list[str], text: str) -> int:
    for i, line in enumerate(lines):
        if line.strip() == text:
            return i
    raise ParseError(f"marker line {text!r} not found in source")


def parse(source_text: str) -> tuple[dict, list[str]]:
    """Parse the zh source into the framework structure (English fields left empty)."""
    lines = source_text.splitlines()
    a1_start = find_line(lines, "附件一附录")
    a2_head = find_line(lines, "附件二")
    a2_start = find_line(lines, "附件二附录")
    annex1 = split_rows(read_cells(lines[a1_start + 1:a2_head]), ANNEX1_COLUMNS, "Annex I")
    annex2 = split_rows(read_cells(lines[a2_start + 1:]), ANNEX2_COLUMNS, "Annex II")

    sections1 = [r["section"] for r in annex1 if "section" in r]
    sections2 = [r["section"] for r in annex2 if "section" in r]
    if sections1 != sections2:
        raise ParseError(f"section rows differ between annexes: {sections1} / {sections2}")
    goals1 = [r for r in annex1 if "goal" in r]
    goals2 = [r for r in annex2 if "goal" in r]
    if [g["goal"] for g in goals1] != [g["goal"] for g in goals2]:
        raise ParseError("goal codes differ between Annex I and Annex II")

    notes: list[str] = []
    data = {
        "source": dict(SOURCE_INFO),
        "sections": [{"code": s["code"], "text_zh": s["text_zh"], "text_en": ""}
                     for s in sections1],
        "goals": [],
        **{name: [] for name in ITEM_LISTS},
    }
    for g1, g2 in zip(goals1, goals2):
        code = g1["goal"]
        goal = {"code": code, "goal": code, "section": code[0],
                "text_zh": g1["title"], "text_en": ""}
        if g2["title"] != g1["title"]:
            goal["cb_text_zh"] = g2["title"]
            goal["cb_text_en"] = ""
            notes.append(f"goal {code}: Annex II title differs, kept as cb_text_zh")
        goal["outcome_zh"] = "\n".join(g1["outcome"])
        goal["outcome_en"] = ""
        goal["cb_outcome_zh"] = "\n".join(g2["cb_outcome"])
        goal["cb_outcome_en"] = ""
        goal["actors_zh"] = "\n".join(g2["actors"])
        goal["actors_en"] = ""
        data["goals"].append(goal)
        for name in ITEM_LISTS:
            row = g1 if name in ANNEX1_COLUMNS else g2
            data[name].extend(split_items(row[name], name, code, notes))
    return data, notes


def check_counts(data: dict) -> None:
    problems = [f"{name}: {len(data[name])} parsed, {want} expected"
                for name, want in EXPECTED_COUNTS.items() if len(data[name]) != want]
    for name in ["goals", *ITEM_LISTS]:
        codes = [item["code"] for item in data[name]]
        if len(codes) != len(set(codes)):
            problems.append(f"{name}: duplicate codes")
    if problems:
        raise ParseError("counts differ from the expected ones:\n  " + "\n  ".join(problems))


def merge_english(data: dict, existing: dict | None) -> list[str]:
    """Copy *_en fields from the existing file (matched by list + code); return warnings."""
    warnings = []
    for name in ["sections", "goals", *ITEM_LISTS]:
        old_items = {item.get("code"): item for item in (existing or {}).get(name, [])}
        for item in data[name]:
            old = old_items.get(item["code"], {})
            for key in [k for k in item if k.endswith("_zh")]:
                en_key = key[:-3] + "_en"
                item[en_key] = old.get(en_key, "")
                if not item[en_key].strip():
                    warnings.append(f"no English: {name} {item['code']} {en_key}")
    return warnings


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def zh_differences(new: dict, old: dict) -> list[str]:
    """Describe differences in the non-English content (for --check)."""
    diffs = []
    for name in ["sections", "goals", *ITEM_LISTS]:
        old_items = {item.get("code"): item for item in old.get(name, [])}
        new_codes = [item["code"] for item in new[name]]
        if new_codes != [item.get("code") for item in old.get(name, [])]:
            diffs.append(f"{name}: codes or order differ")
        for item in new[name]:
            prev = old_items.get(item["code"], {})
            for key, value in item.items():
                if not key.endswith("_en") and prev.get(key) != value:
                    diffs.append(f"{name} {item['code']} {key}: file has {prev.get(key)!r}, "
                                 f"source gives {value!r}")
    if new.get("source") != old.get("source"):
        diffs.append("source block differs")
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?", default=str(DEFAULT_SOURCE),
                        help="path to sbi3-rec-3-4-annexes.zh.txt")
    parser.add_argument("--check", action="store_true",
                        help="compare with the existing JSON instead of writing; exit 1 on difference")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT),
                        help="JSON file to write / check (default: seed_data/framework.json)")
    args = parser.parse_args(argv)

    source, output = Path(args.source), Path(args.output)
    try:
        data, notes = parse(source.read_text(encoding="utf-8"))
        check_counts(data)
    except (OSError, ParseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    existing = None
    if output.exists():
        existing = json.loads(output.read_text(encoding="utf-8"))
    warnings = merge_english(data, existing)
    text = render(data)

    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    counts = ", ".join(f"{name} {len(data[name])}" for name in EXPECTED_COUNTS)

    if args.check:
        if existing is None:
            print(f"check failed: {output} does not exist", file=sys.stderr)
            return 1
        if output.read_text(encoding="utf-8") != text:
            for diff in zh_differences(data, existing) or ["formatting or English fields differ"]:
                print(f"differs: {diff}", file=sys.stderr)
            print(f"check failed: {output} is not what the source gives", file=sys.stderr)
            return 1
        print(f"ok: {output} matches the source ({counts})")
        return 0

    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({counts}; {len(warnings)} English fields missing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
