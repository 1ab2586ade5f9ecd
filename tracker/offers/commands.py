"""`flask --app tracker offers …`: operators' commands for offers."""
from datetime import date

import click
from flask.cli import AppGroup

from tracker.clock import today
from tracker.extensions import db
from tracker.offers.services import close_finished_offers

offers_cli = AppGroup("offers", help="Offers of capacity-building support.")


@offers_cli.command("close-finished")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Take this day as today (YYYY-MM-DD); by default today in UTC.")
def close_finished(on) -> None:
    """Mark open offers whose window has ended as expired, and those whose capacity is used up as closed
    (run daily; pages already show them so, this writes it down with an audit entry)."""
    day: date = on.date() if on else today()
    changed = close_finished_offers(day)
    db.session.commit()
    click.echo(f"{changed} offer(s) closed or expired as of {day.isoformat()}.")
