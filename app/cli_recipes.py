"""`flask --app app recipes preview <store> <recipe> --days 30 [--set key=value ...]`.

The dry run of a recipe configuration over the store's mirrored data: who would have been
enrolled, what would have been sent and when, and how many codes. Nothing is sent or written.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.configs import store_configs
from app.core.preview import PreviewReport, preview
from app.core.recipes import REGISTRY, UnknownRecipe
from app.core.settings_schema import ConfigError
from app.db.models import Store
from app.web.request_scope import runtime

#: How many individual emails the command lists before summarising.
SHOWN = 50


@click.group("recipes")
def recipes() -> None:
    """Recipe tools."""


@recipes.command("preview")
@click.argument("store_ref")
@click.argument("recipe", type=click.Choice(sorted(REGISTRY)))
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="try a setting")
@with_appcontext
def preview_command(store_ref: str, recipe: str, days: int, overrides: tuple[str, ...]) -> None:
    """Replay the last DAYS days of STORE_REF (id, key or domain) under RECIPE's settings."""
    with runtime().db.session() as session:
        store = _find_store(session, store_ref)
        current = store_configs(session, store).get(recipe)
        settings: dict[str, Any] = dict(current.row.settings) if current else {}
        settings.update(_parse_overrides(overrides))
        try:
            report = preview(session, store, recipe, settings, days)
        except (ConfigError, UnknownRecipe) as error:
            raise click.ClickException(str(error)) from error
        session.rollback()
    click.echo(format_report(report))


def _find_store(session: Session, ref: str) -> Store:
    conditions = [Store.key == ref, Store.domain == ref]
    if ref.isdigit():
        conditions.append(Store.id == int(ref))
    store = session.execute(select(Store).where(or_(*conditions))).scalars().first()
    if store is None:
        raise click.ClickException(f"no store {ref!r} (give its id, key or domain)")
    return store


def _parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--set")
        parsed[key.strip()] = value.strip()
    return parsed


def format_report(report: PreviewReport) -> str:
    """The dry run as readable text."""
    lines = [
        f"{report.recipe}: last {report.days} days "
        f"({report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC)",
        f"  enrolled: {report.enrolled}",
        f"  emails that would have been sent: {len(report.sends)}",
        f"  recorded for the holdout group: {len(report.held_out)}",
        f"  unique codes: {report.codes}",
        f"  series still running at the end: {report.pending}",
    ]
    for title, counts in (("not enrolled", report.skipped), ("exited", report.exits)):
        if counts:
            summary = ", ".join(f"{reason} {count}" for reason, count in counts.most_common())
            lines.append(f"  {title}: {summary}")
    for send in sorted(report.sends, key=lambda item: item.at)[:SHOWN]:
        code = " + code" if send.code else ""
        lines.append(f"    {send.at:%Y-%m-%d %H:%M}  {send.email}  email {send.step}{code}")
    if len(report.sends) > SHOWN:
        lines.append(f"    ... and {len(report.sends) - SHOWN} more")
    lines.extend(f"  note: {note}" for note in report.notes)
    return "\n".join(lines)
