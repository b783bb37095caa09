"""Operator commands: `flask --app app replay-event ID`, `flask --app app db-upgrade`,
`flask --app app recipes preview STORE RECIPE --days 30` (app/cli_recipes.py)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app.cli_recipes import recipes
from app.core.inbox import reset_for_replay
from app.db.migrations import upgrade_to_head
from app.web.request_scope import job_queues, runtime


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(replay_event)
    app.cli.add_command(db_upgrade)
    app.cli.add_command(recipes)


@click.command("replay-event")
@click.argument("event_id", type=int)
@with_appcontext
def replay_event(event_id: int) -> None:
    """Process a stored inbound event again (after fixing what made it fail)."""
    with runtime().db.session_scope() as session:
        event = reset_for_replay(session, event_id)
        if event is None:
            raise click.ClickException(f"no inbound event {event_id}")
        topic = event.topic
    queues = job_queues()
    queues.forget_job(f"inbound-{event_id}")
    queues.enqueue_inbound_event(event_id)
    click.echo(f"event {event_id} ({topic}) queued for processing")


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply pending migrations to the configured database."""
    upgrade_to_head(runtime().settings.sqlalchemy_url)
    click.echo("database at head")
