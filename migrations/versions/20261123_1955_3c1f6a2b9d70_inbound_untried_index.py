"""inbound events: partial index for the drains' claim of untried events

Revision ID: 3c1f6a2b9d70
Revises: d663e35340c0
Create Date: 2026-11-23 19:55:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3c1f6a2b9d70'
down_revision: Union[str, Sequence[str], None] = 'd663e35340c0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WHERE = "status = 'received' AND attempts = 0"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_inbound_events_untried', 'inbound_events', ['received_at'], unique=False, postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_inbound_events_untried', table_name='inbound_events', postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))
