"""What a scheduled run records about itself: mode, requests, reports listed, anti-bot
challenges met, its alarm lines and its exit code.

Archives made from the models before this revision already have the columns; they are added
only where missing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql')
COUNTS = ('requests', 'reports_listed', 'blocked')


def upgrade() -> None:
    # Archives made from the models before they were migrated already have the columns: only
    # missing ones are added (plain ADD COLUMN, no table rebuild: raw_pages refers to crawl_runs).
    present = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('crawl_runs')}
    columns = [
        sa.Column('mode', sa.String(length=16), nullable=True),
        *(sa.Column(name, sa.Integer(), server_default=sa.text('0'), nullable=False)
          for name in COUNTS),
        sa.Column('alarms', JSON, nullable=True),
        sa.Column('exit_code', sa.Integer(), nullable=True),
    ]
    for column in columns:
        if column.name not in present:
            op.add_column('crawl_runs', column)


def downgrade() -> None:
    for name in ('exit_code', 'alarms', *reversed(COUNTS), 'mode'):
        op.drop_column('crawl_runs', name)
