"""intake: consent records (exact text agreed to, typed name, drawn signature)

Revision ID: intake_0002_consent
Revises: intake_0001
Create Date: 2026-12-01 20:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'intake_0002_consent'
down_revision = 'intake_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('consent_version', sa.String(length=40), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signature_png', sa.LargeBinary(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_intake_consent_records_patient_id_patients')),
    sa.ForeignKeyConstraint(['response_id'], ['intake_responses.id'], name=op.f('fk_intake_consent_records_response_id_intake_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_consent_records')),
    sa.UniqueConstraint('response_id', name=op.f('uq_intake_consent_records_response_id'))
    )
    with op.batch_alter_table('intake_consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_consent_records_patient_id'), ['patient_id'], unique=False)

    from plugins.intake.models import consent_append_only_ddl

    for statement in consent_append_only_ddl().get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    from clinic.api import drop_append_only_ddl

    for statement in drop_append_only_ddl('intake_consent_records').get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    with op.batch_alter_table('intake_consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_consent_records_patient_id'))
    op.drop_table('intake_consent_records')
