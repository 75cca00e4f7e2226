"""data_versions: a number per patient (and one clinic-wide) raised by every change

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-02 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_versions',
        sa.Column('scope', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_data_versions')),
    )


def downgrade():
    op.drop_table('data_versions')
