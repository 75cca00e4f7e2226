"""sticky notes table

Revision ID: sticky_0001
Revises:
Create Date: 2026-11-29

The plugin's own branch (``branch_labels``), which ``depends_on`` the core revision that
creates the patients and users tables its foreign keys point to.
"""

import sqlalchemy as sa
from alembic import op

revision = "sticky_0001"
down_revision = None
branch_labels = ("sticky",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "sticky_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_sticky_notes_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_sticky_notes_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sticky_notes")),
    )
    op.create_index(op.f("ix_sticky_notes_patient_id"), "sticky_notes", ["patient_id"])


def downgrade():
    op.drop_index(op.f("ix_sticky_notes_patient_id"), table_name="sticky_notes")
    op.drop_table("sticky_notes")
