"""patients: search columns compared byte by byte; name indexes that give a page in order

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.drop_index('ix_patients_last_first', table_name='patients')
    op.drop_index('ix_patients_first_folded', table_name='patients')
    if postgresql:
        # SQLite already compares text byte by byte; PostgreSQL does with collation "C",
        # and then a plain index serves both the prefix range and the ORDER BY.
        for name in ('first_name_folded', 'last_name_folded'):
            op.alter_column('patients', name, type_=sa.String(80, collation='C'), existing_type=sa.String(80), existing_nullable=False)
    op.create_index('ix_patients_last_first', 'patients', ['last_name_folded', 'first_name_folded', 'id'])
    op.create_index('ix_patients_first_last', 'patients', ['first_name_folded', 'last_name_folded', 'id'])


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.drop_index('ix_patients_first_last', table_name='patients')
    op.drop_index('ix_patients_last_first', table_name='patients')
    if postgresql:
        for name in ('first_name_folded', 'last_name_folded'):
            op.alter_column('patients', name, type_=sa.String(80), existing_type=sa.String(80, collation='C'), existing_nullable=False)
    op.create_index('ix_patients_first_folded', 'patients', ['first_name_folded'], postgresql_ops={'first_name_folded': 'text_pattern_ops'})
    op.create_index('ix_patients_last_first', 'patients', ['last_name_folded', 'first_name_folded'], postgresql_ops={'last_name_folded': 'text_pattern_ops', 'first_name_folded': 'text_pattern_ops'})
