"""patients: reversed phone digits, so the end of a number is an indexed prefix

Revision ID: core_0002_phone
Revises: core_0001
Create Date: 2026-12-01 20:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0002_phone'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_digits_reversed', sa.String(length=40), nullable=False, server_default=''))
    # Fill existing rows in Python: SQLite has no reverse().
    bind = op.get_bind()
    patients = sa.table('patients', sa.column('id', sa.Integer), sa.column('phone_digits', sa.String), sa.column('phone_digits_reversed', sa.String))
    rows = bind.execute(sa.select(patients.c.id, patients.c.phone_digits).where(patients.c.phone_digits != '')).all()
    for patient_id, number in rows:
        bind.execute(patients.update().where(patients.c.id == patient_id).values(phone_digits_reversed=number[::-1]))
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.alter_column('phone_digits_reversed', server_default=None)
        batch_op.create_index('ix_patients_phone_digits_reversed', ['phone_digits_reversed'], unique=False, postgresql_ops={'phone_digits_reversed': 'text_pattern_ops'})


def downgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_phone_digits_reversed', postgresql_ops={'phone_digits_reversed': 'text_pattern_ops'})
        batch_op.drop_column('phone_digits_reversed')
