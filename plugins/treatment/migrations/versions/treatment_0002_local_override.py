"""local contraindication override reasons on plan modalities and note entries

Revision ID: treatment_0002
Revises: treatment_0001
Create Date: 2026-12-01 20:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'treatment_0002'
down_revision = 'treatment_0001'
branch_labels = None
depends_on = None


# Plain ADD COLUMN on both engines: a batch (copy-and-move) on SQLite would drop the
# note entries' immutability triggers with the old table.
def upgrade():
    for table in ('treatment_plan_modalities', 'treatment_note_entries'):
        op.add_column(
            table,
            sa.Column('local_override_reason', sa.Text(), nullable=False, server_default=''),
        )


def downgrade():
    for table in ('treatment_note_entries', 'treatment_plan_modalities'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('local_override_reason')
    # On SQLite the batch rebuilt the entries table without its triggers: restore them.
    from plugins.treatment.models import immutability_ddl

    if op.get_bind().dialect.name == 'sqlite':
        for statement in immutability_ddl()['sqlite']:
            op.execute(statement)
