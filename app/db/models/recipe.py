"""Recipe configurations and the enrollments that carry a customer through a recipe's steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc, UTCDateTime

#: active (waiting for next_run_at) → claimed (a job owns the step) → active | completed | exited.
ENROLLMENT_STATES = ("active", "claimed", "completed", "exited", "failed")


class RecipeConfig(IdMixin, StoreScoped, TimestampMixin, Base):
    """A store's settings for one recipe; `settings` is validated by the recipe's schema."""

    __tablename__ = "recipe_configs"
    __table_args__ = (UniqueConstraint("store_id", "recipe"),)

    recipe: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    #: Bumped on every save; enrollments remember the version they started under.
    version: Mapped[int] = mapped_column(default=1)
    #: The platform's parent discount for this configuration's codes (Shopify), if any.
    discount_parent_ref: Mapped[str | None] = mapped_column(String(255))
    discount_parent_fingerprint: Mapped[str | None] = mapped_column(String(64))


class Enrollment(IdMixin, StoreScoped, TimestampMixin, Base):
    """One customer's run through one recipe for one trigger; the database is the schedule.

    Unique per (store, recipe, customer, trigger_ref): `enroll:<recipe>:<customer>:<trigger ref>`.
    """

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("store_id", "recipe", "customer_id", "trigger_ref"),
        # The clock's sweep: due active enrollments in time order, across stores.
        Index(
            "ix_enrollments_due",
            "next_run_at",
            postgresql_where=text("state = 'active'"),
            sqlite_where=text("state = 'active'"),
        ),
        # The reaper: claims older than a job could take.
        Index(
            "ix_enrollments_claimed",
            "claimed_at",
            postgresql_where=text("state = 'claimed'"),
            sqlite_where=text("state = 'claimed'"),
        ),
        Index(None, "store_id", "customer_id", "recipe"),
        Index(None, "store_id", "recipe", "created_at"),
    )

    recipe: Mapped[str] = mapped_column(String(40))
    recipe_config_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("recipe_configs.id", ondelete="SET NULL")
    )
    config_version: Mapped[int] = mapped_column(default=1)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    #: What started it: cart token, order id, product id + window, birthday year.
    trigger_ref: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="active")
    #: The next step to run (0-based).
    step: Mapped[int] = mapped_column(default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    #: How many times the current step has been claimed; the reaper fails it after too many.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Why the step waits: "scheduled", "quiet_hours", "frequency_cap", ...
    wait_reason: Mapped[str | None] = mapped_column(String(32))
    holdout: Mapped[bool] = mapped_column(default=False)
    exit_reason: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
