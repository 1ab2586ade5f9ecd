"""The demo cycles, assessments and Party activities that `flask --app tracker seed --demo` adds."""
import time
from collections import Counter, defaultdict

import pytest

from tracker.accounts.models import User
from tracker.activities.models import Activity, activity_key_area
from tracker.assessments import services
from tracker.assessments.content import assessment_content
from tracker.assessments.demo import BASELINE_NAME, CURRENT_NAME
from tracker.assessments.models import (
    ANSWER_CHOICES, VISIBILITIES, Assessment, AssessmentCycle, AssessmentVersion, DeclaredAnswer, DeclaredQuestion,
    Need,
)
from tracker.audit.models import AuditEntry
from tracker.clock import today
from tracker.extensions import db
from tracker.matching.models import Match
from tracker.framework.models import KeyArea
from tracker.parties.models import Party
from tracker.vocabularies import ACTIVITY_STATUSES, AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, SUPPORT_TYPES

LEVELS = list(NEED_LEVELS)


@pytest.fixture
def demo(runner, ctx, capsys):
    started = time.perf_counter()
    result = runner.invoke(args=["seed", "--demo"])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    with capsys.disabled():
        print(f"\n  seed --demo took {seconds:.1f} s")
    return result


def _cycle(name: str) -> AssessmentCycle:
    return db.session.scalar(db.select(AssessmentCycle).where(AssessmentCycle.name == name))


def _by_party(cycle: AssessmentCycle) -> dict[str, Assessment]:
    rows = db.session.execute(db.select(Party.iso3, Assessment).join(Assessment.party)
                              .where(Assessment.cycle_id == cycle.id)).all()
    return {iso3: assessment for iso3, assessment in rows}


def _parties() -> list[Party]:
    return db.session.scalars(db.select(Party).where(Party.cartagena_party.is_(True))).all()


def _submitted_needs():
    """(party, cycle name, key area code, level) of every need in a submitted assessment."""
    return db.session.execute(
        db.select(Party, AssessmentCycle.name, KeyArea.code, Need.level)
        .join(Need.assessment).join(Assessment.party).join(Assessment.cycle).join(Need.key_area)
        .where(Assessment.status == "submitted")).all()


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_seed_demo_adds_a_closed_baseline_cycle_and_a_cycle_open_today(demo):
    cycles = db.session.scalars(db.select(AssessmentCycle).order_by(AssessmentCycle.opens_on)).all()
    assert [cycle.name for cycle in cycles] == [BASELINE_NAME, CURRENT_NAME]
    baseline, current = cycles
    assert baseline.baseline and not baseline.is_open(today())
    assert (baseline.opens_on.isoformat(), baseline.closes_on.isoformat()) == ("2024-03-01", "2024-10-31")
    assert not current.baseline and current.is_open(today())
    assert (today() - current.opens_on).days == 45 and (current.closes_on - today()).days == 40
    assert current.reference_date == current.opens_on
    assert f"open until {current.closes_on.isoformat()}" in demo.output


def test_demo_status_mix_matches_the_stated_shares_of_parties(demo):
    parties = len(_parties())
    baseline = Counter(a.status for a in _by_party(_cycle(BASELINE_NAME)).values())
    current = Counter(a.status for a in _by_party(_cycle(CURRENT_NAME)).values())
    assert set(baseline) == {"submitted"}  # the rest never started
    assert 0.80 <= baseline["submitted"] / parties <= 0.90
    assert 0.50 <= current["submitted"] / parties <= 0.60
    assert 0.20 <= current["draft"] / parties <= 0.30
    assert 0.15 <= (parties - current.total()) / parties <= 0.25
    assert f"{current['submitted']} submitted, {current['draft']} drafts" in demo.output


def test_submitted_assessments_consider_30_to_41_areas_and_drafts_5_to_25(demo):
    for cycle in (_cycle(BASELINE_NAME), _cycle(CURRENT_NAME)):
        for assessment in _by_party(cycle).values():
            considered = len(assessment.needs)
            if assessment.status == "submitted":
                assert 30 <= considered <= 41, assessment.audit_label
                assert assessment.answers, assessment.audit_label
            else:
                assert 5 <= considered <= 25, assessment.audit_label


def test_kenya_and_peru_have_a_submitted_baseline_and_nothing_in_the_current_cycle(demo):
    baseline, current = _by_party(_cycle(BASELINE_NAME)), _by_party(_cycle(CURRENT_NAME))
    for iso3 in ("KEN", "PER"):
        assert baseline[iso3].status == "submitted" and baseline[iso3].versions
        assert iso3 not in current
    focal_point = db.session.scalar(db.select(User).where(User.email == "focal.point.ken@example.org"))
    assert baseline["KEN"].submitted_by_id == focal_point.id == baseline["KEN"].versions[0].submitted_by_id


def test_kenya_demo_editor_can_start_the_current_cycle_and_copy_the_baseline(demo):
    editor = db.session.scalar(db.select(User).where(User.email == "editor.ken@example.org"))
    baseline = _by_party(_cycle(BASELINE_NAME))["KEN"]
    assessment = services.start_assessment(editor.party, _cycle(CURRENT_NAME), actor=editor)
    source = services.copy_previous_answers(assessment, actor=editor)
    assert source.id == baseline.id
    copied = assessment_content(assessment)
    submitted = baseline.versions[-1].content
    # Dates already past and counts "since the previous cycle" are not carried over.
    expected_needs = {code: {**need, "wanted_by": need["wanted_by"] if (need["wanted_by"] or "") >= today().isoformat() else None}
                      for code, need in submitted["needs"].items()}
    assert copied["needs"] == expected_needs
    assert copied["answers"] == {code: answer for code, answer in submitted["answers"].items()
                                 if code != "illegal_movements_reported"}


def test_ldcs_have_more_high_needs_per_party_than_weog_parties(demo):
    high = defaultdict(int)
    assessed = defaultdict(set)
    for party, cycle, _, level in _submitted_needs():
        for group in ("ldc" if party.ldc else None, "weog" if party.un_regional_group == "weog" else None):
            if group:
                assessed[group].add((party.iso3, cycle))
                high[group] += level == "high"
    ldc, weog = high["ldc"] / len(assessed["ldc"]), high["weog"] / len(assessed["weog"])
    assert ldc > 3 * weog and ldc >= 10, (ldc, weog)


def test_weog_needs_are_mostly_none_or_low(demo):
    levels = Counter(level for party, _, _, level in _submitted_needs() if party.un_regional_group == "weog")
    assert (levels["none"] + levels["low"]) / levels.total() >= 0.7, levels


def test_detection_and_risk_assessment_areas_are_the_top_five_high_needs(demo):
    high = Counter(code for _, _, code, level in _submitted_needs() if level == "high")
    top = [code for code, _ in high.most_common(5)]
    goals = {code.split("(")[0] for code in top}
    assert goals == {"A.8", "A.5"}, high.most_common(8)


def test_every_submitted_assessment_has_its_content_as_its_latest_version(demo):
    submitted = db.session.scalars(db.select(Assessment).where(Assessment.status == "submitted")).all()
    at_version_2 = 0
    for assessment in submitted:
        versions = assessment.versions
        assert [v.version for v in versions] == list(range(1, assessment.version + 1)), assessment.audit_label
        assert versions[-1].content == assessment_content(assessment), assessment.audit_label
        assert assessment.submitted_at == versions[-1].submitted_at
        cycle = assessment.cycle
        assert all(cycle.opens_on <= v.submitted_at.date() <= min(cycle.closes_on, today()) for v in versions)
        if assessment.version == 2:
            at_version_2 += 1
            assert assessment.cycle.name == CURRENT_NAME
            assert versions[0].content != versions[1].content
            assert versions[0].submitted_at < versions[1].submitted_at
    assert 1 <= at_version_2 <= 0.1 * len(submitted)
    drafts = db.session.scalars(db.select(Assessment).where(Assessment.status == "draft")).all()
    assert drafts and not any(draft.versions for draft in drafts)


def test_current_needs_are_mostly_the_baseline_level_or_one_lower(demo):
    baseline = {(party.iso3, code): level for party, cycle, code, level in _submitted_needs() if cycle == BASELINE_NAME}
    steps = Counter(LEVELS.index(level) - LEVELS.index(baseline[party.iso3, code])
                    for party, cycle, code, level in _submitted_needs()
                    if cycle == CURRENT_NAME and (party.iso3, code) in baseline)
    assert steps.total() > 1000
    assert (steps[0] + steps[-1]) / steps.total() >= 0.8, steps
    assert steps[-1] > steps[1], steps  # progress, not decline


def test_needs_answers_and_visibility_use_the_controlled_lists(demo):
    for need in db.session.scalars(db.select(Need)):
        assert need.level in NEED_LEVELS
        assert (need.priority is None) == (need.level == "none") or need.priority in (1, 2, 3)
        assert set(need.audiences) <= set(AUDIENCES) and set(need.support_types) <= set(SUPPORT_TYPES)
        assert set(need.languages) <= set(LANGUAGES) and need.modality in (None, *MODALITIES)
    kinds = dict(db.session.execute(db.select(DeclaredQuestion.id, DeclaredQuestion.kind)).all())
    for answer in db.session.scalars(db.select(DeclaredAnswer)):
        if kinds[answer.question_id] == "choice":
            assert answer.choice in ANSWER_CHOICES and answer.number is None
        else:
            assert answer.choice is None and 0 <= answer.number <= 1000
        assert answer.evidence_url in ("",) or answer.evidence_url.startswith("https://bch.cbd.int/")
    visibility = Counter(db.session.scalars(db.select(Assessment.visibility)))
    assert set(visibility) <= set(VISIBILITIES) and visibility.most_common(1)[0][0] == "providers"


def test_demo_party_activities_have_participants_key_areas_and_are_marked_demo(demo):
    activities = db.session.scalars(db.select(Activity).where(Activity.party_id.is_not(None))).all()
    assert 350 <= len(activities) <= 450
    assert f"demo party activities: {len(activities)}" in demo.output
    for activity in activities:
        assert activity.party_id is not None and activity.organisation_id is None
        assert activity.description.startswith("Demo data.")
        assert activity.party_role in ("organised", "took_part") and activity.status in ACTIVITY_STATUSES
        assert 1 <= len(activity.key_areas) <= 3 and len(activity.activity_examples) <= 2
        goals = {area.goal_id for area in activity.key_areas} | {e.goal_id for e in activity.activity_examples}
        assert len(goals) == 1, activity.title
        if activity.status == "planned":
            assert activity.start_date > today()
        if activity.status == "completed":
            assert activity.end_date < today()
    with_participants = [a for a in activities if a.participants_total]
    assert len(with_participants) >= 100
    women = sum(a.participants_women for a in with_participants)
    assert women > 0.3 * sum(a.participants_total for a in with_participants)
    assert Counter(a.status for a in activities).most_common(1)[0][0] == "completed"
    assert any(o["url"].startswith("https://example.org/") for a in activities for o in a.outputs)
    assert any(a.funding_amount and a.funding_currency in ("USD", "EUR") and a.funding_source for a in activities)


def test_parties_record_activities_mostly_where_their_needs_are_high(demo):
    levels = {(party_id, key_area_id): level for party_id, key_area_id, level in db.session.execute(
        db.select(Assessment.party_id, Need.key_area_id, Need.level)
        .join(Need.assessment).join(Assessment.cycle).where(AssessmentCycle.baseline.is_(True)))}
    pairs = db.session.execute(db.select(Activity.party_id, activity_key_area.c.key_area_id)
                               .join(activity_key_area, activity_key_area.c.activity_id == Activity.id)).all()
    in_activities = Counter(levels[tuple(pair)] for pair in pairs if tuple(pair) in levels)
    overall = Counter(levels.values())
    assert in_activities["high"] / in_activities.total() > 1.2 * overall["high"] / overall.total()


def test_one_audit_entry_per_demo_cycle(demo):
    entries = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "demo.load", AuditEntry.object_type == "AssessmentCycle")).all()
    assert sorted(entry.object_label for entry in entries) == [BASELINE_NAME, CURRENT_NAME]
    assert all(entry.object_type == "AssessmentCycle" and entry.after["submitted"] > 0 for entry in entries)
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.object_type.in_(("Assessment", "Need")))) == 0
    # Activities are demo rows too, except the one the demo match's delivery recorded through the services.
    delivered = db.session.scalars(db.select(Match.activity_id).where(Match.activity_id.is_not(None))).all()
    assert db.session.scalars(db.select(AuditEntry.object_id).where(
        AuditEntry.object_type == "Activity")).all() == delivered


def test_running_seed_demo_twice_adds_nothing(demo, runner):
    counts = _row_counts()
    assert counts["assessment"] > 200 and counts["activity"] > 300 and counts["assessment_version"] > 200
    started = time.perf_counter()
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0, second.output
    print(f"second seed --demo: {time.perf_counter() - started:.1f} s")
    assert "demo cycles: already there" in second.output and "demo party activities: already there" in second.output
    db.session.expire_all()
    assert _row_counts() == counts


def test_demo_data_is_the_same_on_every_load(demo, runner, app):
    first = sorted(db.session.execute(db.select(Party.iso3, KeyArea.code, Need.level, Need.priority)
                                      .join(Need.assessment).join(Assessment.party).join(Need.key_area)).all())
    titles = sorted(db.session.scalars(db.select(Activity.title)))
    db.session.remove()
    with db.engine.begin() as connection:  # drop the demo data, keep the reference data and the accounts
        for table in reversed(db.metadata.sorted_tables):
            if table.name in {"activity_key_area", "activity_activity_example", "activity_beneficiary", "activity",
                              "assessment_version", "declared_answer", "need", "pending_upload", "assessment",
                              "assessment_cycle", "offer_match", "match_run"}:
                connection.execute(table.delete())
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    again = sorted(db.session.execute(db.select(Party.iso3, KeyArea.code, Need.level, Need.priority)
                                      .join(Need.assessment).join(Assessment.party).join(Need.key_area)).all())
    assert again == first
    assert sorted(db.session.scalars(db.select(Activity.title))) == titles
    assert db.session.scalar(db.select(db.func.count(AssessmentVersion.id))) > 200
