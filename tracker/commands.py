"""Operator commands: `flask --app tracker seed`, `flask --app tracker export …`."""
import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from tracker.exports import to_csv, to_json
from tracker.extensions import db

FORMATS = click.Choice(["json", "csv"])


@click.command("seed")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also add demo accounts (and demo data).")
def seed_command(demo: bool) -> None:
    """Load the framework and the Parties (idempotent); with --demo, demo data too."""
    from tracker.accounts.demo import demo_password, load_demo_accounts
    from tracker.assessments.seed import load_declared_questions
    from tracker.framework.seed import load_framework
    from tracker.parties.seed import load_parties

    if demo and current_app.config["TRACKER_ENV"] == "production":
        raise click.UsageError("Demo data is never loaded in production.")
    for name, (created, updated) in load_framework().items():
        click.echo(f"{name}: {created} created, {updated} updated")
    created, updated = load_parties()
    click.echo(f"parties: {created} created, {updated} updated")
    created, updated = load_declared_questions()
    click.echo(f"declared questions: {created} created, {updated} updated")
    accounts = []
    if demo:
        from tracker.assessments.demo import load_demo_assessments
        from tracker.assessments.models import AssessmentCycle
        from tracker.indicators.models import IndicatorValue
        from tracker.indicators.services import compute_cycle
        from tracker.matching.demo import load_demo_matches
        from tracker.organisations.demo import load_demo_providers

        accounts = load_demo_accounts()
        for line in load_demo_assessments() + load_demo_providers():
            click.echo(line)
        db.session.flush()
        for line in load_demo_matches():
            click.echo(line)
        computed = set(db.session.scalars(db.select(IndicatorValue.cycle_id).distinct()))
        for cycle in db.session.scalars(db.select(AssessmentCycle).order_by(AssessmentCycle.opens_on)):
            if cycle.id not in computed:
                click.echo(f"indicators of {cycle.name}: {compute_cycle(cycle)} values computed")
    db.session.commit()
    if accounts:
        click.echo(f"\nDemo accounts (password: {demo_password()}):")
        for email, role, status in accounts:
            click.echo(f"  {email:32} {role}{'' if status == 'active' else f' ({status})'}")


@click.group("export", cls=AppGroup)
def export_group() -> None:
    """Print data to standard output."""


@export_group.command("framework")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
def export_framework(fmt: str) -> None:
    """The goals, objectives, indicators, key areas and example activities."""
    from tracker.framework.exports import CSV_COLUMNS, framework_data, framework_rows

    click.echo(to_json(framework_data()) if fmt == "json" else to_csv(framework_rows(), CSV_COLUMNS), nl=False)


@export_group.command("parties")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
@click.option("--language", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def export_parties(fmt: str, language: str) -> None:
    """Every State (and the EU) with its status under the Protocols and its groupings."""
    from tracker.parties.exports import COLUMNS, parties_data

    rows = parties_data(language)
    click.echo(to_json(rows) if fmt == "json" else to_csv(rows, COLUMNS), nl=False)


def register_commands(app: Flask) -> None:
    from tracker.activities.exports import export_activities
    from tracker.assessments.exports import export_assessments, export_needs
    from tracker.backup import backup_command, restore_command
    from tracker.indicators.commands import export_indicators, indicators_cli
    from tracker.matching.commands import export_matches, match_cli
    from tracker.offers.commands import offers_cli
    from tracker.offers.exports import export_offers
    from tracker.scheduler.commands import scheduler_cli

    for command in (export_needs, export_assessments, export_activities, export_offers, export_matches,
                    export_indicators):
        export_group.add_command(command)
    app.cli.add_command(offers_cli)
    app.cli.add_command(match_cli)
    app.cli.add_command(indicators_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(export_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
