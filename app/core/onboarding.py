"""What a new store still has to do before Nudge can work for it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.core.store_settings import StoreSettings, missing_for_sending
from app.core.tenancy import StoreScope
from app.db.models import RecipeConfig


@dataclass(frozen=True)
class SetupStep:
    """One step of the setup checklist."""

    key: str
    done: bool
    detail: str = ""


def setup_checklist(scope: StoreScope, settings: StoreSettings) -> list[SetupStep]:
    """The steps in the order a merchant should take them."""
    missing = missing_for_sending(scope.store, settings)
    enabled = scope.session.execute(
        select(func.count(RecipeConfig.id)).where(
            scope.owns(RecipeConfig), RecipeConfig.enabled.is_(True)
        )
    ).scalar_one()
    return [
        SetupStep("sender", not missing, ", ".join(missing)),
        SetupStep("recipe", enabled > 0),
    ]
