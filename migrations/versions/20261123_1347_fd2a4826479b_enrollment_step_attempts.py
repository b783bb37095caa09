"""enrollment step attempts: how often the current step was claimed (the reaper's limit)

Revision ID: fd2a4826479b
Revises: 8bc8a63096fb
Create Date: 2026-11-23 13:47:12.082040

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'fd2a4826479b'
down_revision: Union[str, Sequence[str], None] = '8bc8a63096fb'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('enrollments') as batch_op:
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('enrollments') as batch_op:
        batch_op.drop_column('attempts')
