"""Indexes for whole-archive questions: cell values by (table, row, column), documents by their
current version.

Archives made between these indexes' arrival and the first release with migrations already
have them (they count as revision 0001 when adopted), so they are created only if missing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CELLS = 'ix_table_cells_table_key_row_key_column_key_version_id_value'
CURRENT = 'ix_documents_current_version_id_agency_year'


def upgrade() -> None:
    op.create_index(op.f(CURRENT), 'documents', ['current_version_id', 'agency', 'year'],
                    unique=False, if_not_exists=True)
    op.create_index(op.f(CELLS), 'table_cells',
                    ['table_key', 'row_key', 'column_key', 'version_id', 'value'],
                    unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index(op.f(CELLS), table_name='table_cells', if_exists=True)
    op.drop_index(op.f(CURRENT), table_name='documents', if_exists=True)
