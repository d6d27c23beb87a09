"""The initial archive schema: every table of storage.models as first released.

The foreign key from documents to their current version closes a cycle (versions reference
documents). It is declared the way the model declares it (``use_alter``), so this revision
emits the same DDL as ``create_all`` of the models on each dialect: SQLite, which has no ALTER
for constraints and allows forward references, gets it inline in CREATE TABLE documents;
PostgreSQL gets it by ALTER TABLE once versions exists. No table is ever rebuilt.
The views and other derived objects are not made here: ``storage.migrate`` makes them
(``storage.extras``) whenever a migration reaches head.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crawl_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('spider', sa.String(length=100), nullable=False),
    sa.Column('portal', sa.String(length=255), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='running', nullable=False),
    sa.Column('pages', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('new_documents', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('new_versions', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('edited_documents', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('unchanged', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('reposts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('failures', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('check_failures', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('stats', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.CheckConstraint("status IN ('running', 'finished', 'failed')", name=op.f('ck_crawl_runs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_runs'))
    )
    op.create_table('documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=1024), nullable=False),
    sa.Column('key_kind', sa.String(length=16), nullable=False),
    sa.Column('index_no', sa.String(length=255), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('portal', sa.String(length=255), nullable=False),
    sa.Column('agency', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=8), nullable=True),
    sa.Column('current_version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('version_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('repost_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("key_kind IN ('index_no', 'url')", name=op.f('ck_documents_key_kind')),
    sa.ForeignKeyConstraint(['current_version_id'], ['versions.id'], name=op.f('fk_documents_current_version_id_versions'), use_alter=True),
    sa.ForeignKeyConstraint(['repost_of_id'], ['documents.id'], name=op.f('fk_documents_repost_of_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('key', name=op.f('uq_documents_key'))
    )
    op.create_index(op.f('ix_documents_agency_year'), 'documents', ['agency', 'year'], unique=False)
    op.create_index(op.f('ix_documents_repost_of_id'), 'documents', ['repost_of_id'], unique=False)
    op.create_table('repost_keys',
    sa.Column('tables_hash', sa.String(length=64), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('publish_date', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_repost_keys_document_id_documents')),
    sa.PrimaryKeyConstraint('tables_hash', name=op.f('pk_repost_keys'))
    )
    op.create_table('versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('tables_hash', sa.String(length=64), nullable=True),
    sa.Column('parser_version', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=8), nullable=False),
    sa.Column('publish_date', sa.String(length=10), nullable=True),
    sa.Column('checks_failed', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('report', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_versions_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_versions')),
    sa.UniqueConstraint('document_id', 'content_hash', name=op.f('uq_versions_document_id_content_hash'))
    )
    op.create_index(op.f('ix_versions_agency_year'), 'versions', ['agency', 'year'], unique=False)
    op.create_index(op.f('ix_versions_tables_hash'), 'versions', ['tables_hash'], unique=False)
    if _alters_constraints():
        op.create_foreign_key(
            op.f('fk_documents_current_version_id_versions'), 'documents', 'versions',
            ['current_version_id'], ['id'],
        )
    op.create_table('check_findings',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=128), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_check_findings_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'position', name=op.f('pk_check_findings')),
    sqlite_with_rowid=False
    )
    op.create_index(op.f('ix_check_findings_rule_ok'), 'check_findings', ['rule', 'ok'], unique=False)
    op.create_table('raw_pages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('portal', sa.String(length=255), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('etag', sa.String(length=255), nullable=True),
    sa.Column('body_size', sa.Integer(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('body_encoding', sa.String(length=16), server_default='zlib', nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('parser_version', sa.String(length=64), nullable=True),
    sa.Column('parse_error', sa.Text(), nullable=True),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_raw_pages_document_id_documents')),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], name=op.f('fk_raw_pages_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_raw_pages_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_pages'))
    )
    op.create_index(op.f('ix_raw_pages_document_id'), 'raw_pages', ['document_id'], unique=False)
    op.create_index(op.f('ix_raw_pages_run_id'), 'raw_pages', ['run_id'], unique=False)
    op.create_index(op.f('ix_raw_pages_url'), 'raw_pages', ['url'], unique=False)
    op.create_index(op.f('ix_raw_pages_version_id'), 'raw_pages', ['version_id'], unique=False)
    op.create_table('table_cells',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('table_key', sa.String(length=32), nullable=False),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.Column('column_key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(precision=53), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_table_cells_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'table_key', 'row_key', 'column_key', name=op.f('pk_table_cells')),
    sqlite_with_rowid=False
    )


def _alters_constraints() -> bool:
    """Whether the dialect adds a use_alter foreign key by ALTER TABLE (not inline)."""
    return bool(op.get_bind().dialect.supports_alter)


def downgrade() -> None:
    op.drop_table('table_cells')
    op.drop_index(op.f('ix_raw_pages_version_id'), table_name='raw_pages')
    op.drop_index(op.f('ix_raw_pages_url'), table_name='raw_pages')
    op.drop_index(op.f('ix_raw_pages_run_id'), table_name='raw_pages')
    op.drop_index(op.f('ix_raw_pages_document_id'), table_name='raw_pages')
    op.drop_table('raw_pages')
    op.drop_index(op.f('ix_check_findings_rule_ok'), table_name='check_findings')
    op.drop_table('check_findings')
    if _alters_constraints():
        op.drop_constraint(op.f('fk_documents_current_version_id_versions'), 'documents', type_='foreignkey')
    else:  # the inline key goes with its table; unlink first so versions can go before it
        op.execute("UPDATE documents SET current_version_id = NULL")
    op.drop_index(op.f('ix_versions_tables_hash'), table_name='versions')
    op.drop_index(op.f('ix_versions_agency_year'), table_name='versions')
    op.drop_table('versions')
    op.drop_table('repost_keys')
    op.drop_index(op.f('ix_documents_repost_of_id'), table_name='documents')
    op.drop_index(op.f('ix_documents_agency_year'), table_name='documents')
    op.drop_table('documents')
    op.drop_table('crawl_runs')
