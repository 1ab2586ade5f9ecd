"""Checks on seed_data/framework.json (Implementation Plan + Capacity-Building Action Plan).

Uses only json/pathlib/subprocess: no app imports, no conftest fixtures (tmp_path is built in).
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "seed_data" / "build_framework.py"
DATA_FILE = REPO_ROOT / "seed_data" / "framework.json"
SOURCE = REPO_ROOT / ".." / "shared" / "reference" / "sbi3-rec-3-4-annexes.zh.txt"

EXPECTED_COUNTS = {
    "sections": 2,
    "goals": 14,
    "objectives": 35,
    "plan_indicators": 48,
    "key_areas": 41,
    "activity_examples": 46,
    "cb_indicators": 55,
}
ITEM_LISTS = ["objectives", "plan_indicators", "key_areas", "activity_examples", "cb_indicators"]
ALL_LISTS = ["sections", "goals", *ITEM_LISTS]


def load():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def text_pairs(data):
    """Yield (list, code, zh_key, zh, en) for every Chinese field and its English partner."""
    for name in ALL_LISTS:
        for item in data[name]:
            for key, value in item.items():
                if key.endswith("_zh"):
                    yield name, item["code"], key, value, item.get(key[:-3] + "_en")


def needs_source():
    if not SOURCE.exists():
        pytest.skip(f"reference text not found at {SOURCE}; cannot re-run the parser")


def run_script(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8")


# ---------------------------------------------------------------- shape of the committed file

def test_each_list_has_the_hand_checked_number_of_entries():
    data = load()
    assert {name: len(data[name]) for name in EXPECTED_COUNTS} == EXPECTED_COUNTS


def test_codes_are_unique_within_each_list():
    data = load()
    for name in ALL_LISTS:
        codes = [item["code"] for item in data[name]]
        assert len(codes) == len(set(codes)), name


def test_goals_are_a1_to_a10_then_b1_to_b4_in_their_sections():
    data = load()
    codes = [goal["code"] for goal in data["goals"]]
    assert codes == [f"A.{i}" for i in range(1, 11)] + [f"B.{i}" for i in range(1, 5)]
    assert [s["code"] for s in data["sections"]] == ["A", "B"]
    for goal in data["goals"]:
        assert goal["goal"] == goal["code"]
        assert goal["section"] == goal["code"][0]


def test_every_item_points_to_an_existing_goal_and_its_code_starts_with_it():
    data = load()
    goal_codes = {goal["code"] for goal in data["goals"]}
    for name in ITEM_LISTS:
        for item in data[name]:
            assert item["goal"] in goal_codes, (name, item["code"])
            assert item["code"].startswith(item["goal"]), (name, item["code"])


def test_codes_use_the_printed_enumerators():
    data = load()
    assert data["objectives"][0]["code"] == "A.1.1"
    assert data["plan_indicators"][0]["code"] == "A.1(a)"
    assert data["key_areas"][0]["code"] == "A.1(1)"
    assert data["activity_examples"][0]["code"] == "A.1㈠"
    assert data["cb_indicators"][-1]["code"] == "B.4(b)"
    assert "A.6(1)" in {item["code"] for item in data["key_areas"]}  # printed without "(1)"


def test_every_chinese_and_english_text_is_filled_in():
    data = load()
    for name, code, key, zh, en in text_pairs(data):
        assert isinstance(zh, str) and zh.strip(), (name, code, key)
        assert isinstance(en, str) and en.strip(), (name, code, key[:-3] + "_en")
    for goal in data["goals"]:
        for key in ["text", "outcome", "cb_outcome", "actors"]:
            assert goal[f"{key}_zh"].strip() and goal[f"{key}_en"].strip(), (goal["code"], key)


def test_no_word_export_artefacts_are_left():
    raw = DATA_FILE.read_text(encoding="utf-8")
    assert "[bookmark" not in raw
    assert "footnoteRef" not in raw
    assert "\t" not in raw


def test_item_texts_have_no_enumerator_prefix_or_trailing_list_separator():
    data = load()
    for name in ITEM_LISTS:
        for item in data[name]:
            text = item["text_zh"]
            assert text == text.strip(), (name, item["code"])
            assert not text.endswith(("；", ";")), (name, item["code"])
            assert not text.lstrip("[ ").startswith(("(", "（", "A.", "B.", "㈠", "㈡")), (
                name, item["code"], text)


def test_negotiation_brackets_are_kept_in_the_chinese_text():
    data = load()
    bracketed = [zh for _, _, _, zh, _ in text_pairs(data) if "[" in zh]
    assert bracketed
    goal_b2 = next(goal for goal in data["goals"] if goal["code"] == "B.2")
    assert goal_b2["text_zh"] == "缔约方[根据议定书第28条][从所有来源]调动了足够的资源来支持议定书的执行"
    assert goal_b2["actors_zh"].startswith("[国家当局/")


def test_english_keeps_the_same_brackets_and_lines_as_the_chinese():
    data = load()
    for name, code, key, zh, en in text_pairs(data):
        for mark in ("[", "]", "\n"):
            assert zh.count(mark) == en.count(mark), (name, code, key, mark)


def test_goal_titles_differing_in_annex_ii_are_kept_separately():
    data = load()
    with_cb_title = [goal["code"] for goal in data["goals"] if "cb_text_zh" in goal]
    assert with_cb_title == ["A.4", "A.5", "A.6", "A.10", "B.2"]
    for goal in data["goals"]:
        if "cb_text_zh" in goal:
            assert goal["cb_text_zh"] != goal["text_zh"]
            assert goal["cb_text_en"].strip()


# ---------------------------------------------------------------- reproducible from the source

def test_parser_check_mode_reproduces_the_committed_chinese_texts():
    needs_source()
    result = run_script("--check", SOURCE)
    assert result.returncode == 0, result.stderr


def test_check_mode_fails_when_a_chinese_text_was_edited(tmp_path):
    needs_source()
    data = load()
    data["objectives"][0]["text_zh"] += "（改）"
    edited = tmp_path / "framework.json"
    edited.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result = run_script("--check", "--output", edited, SOURCE)
    assert result.returncode == 1
    assert "A.1.1" in result.stderr


def test_rerunning_the_script_keeps_reviewed_english_and_changes_nothing(tmp_path):
    needs_source()
    copy = tmp_path / "framework.json"
    copy.write_text(DATA_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_script("--output", copy, SOURCE)
    assert result.returncode == 0, result.stderr
    assert copy.read_text(encoding="utf-8") == DATA_FILE.read_text(encoding="utf-8")
    assert "warning" not in result.stderr


def test_script_warns_about_items_without_english(tmp_path):
    needs_source()
    data = load()
    data["key_areas"] = [item for item in data["key_areas"] if item["code"] != "A.6(1)"]
    partial = tmp_path / "framework.json"
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    result = run_script("--output", partial, SOURCE)
    assert result.returncode == 0, result.stderr
    assert "key_areas A.6(1) text_en" in result.stderr
    rebuilt = json.loads(partial.read_text(encoding="utf-8"))
    item = next(i for i in rebuilt["key_areas"] if i["code"] == "A.6(1)")
    assert item["text_zh"] and item["text_en"] == ""


def test_script_fails_loudly_when_the_counts_do_not_match(tmp_path):
    needs_source()
    lines = SOURCE.read_text(encoding="utf-8").splitlines(keepends=True)
    truncated = tmp_path / "source.zh.txt"
    truncated.write_text("".join(l for l in lines if not l.startswith("A.1.3.")), encoding="utf-8")
    output = tmp_path / "framework.json"
    result = run_script("--output", output, truncated)
    assert result.returncode != 0
    assert "objectives: 34 parsed, 35 expected" in result.stderr
    assert not output.exists()
