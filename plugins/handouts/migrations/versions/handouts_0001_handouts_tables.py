"""handouts tables

Revision ID: handouts_0001
Revises:
Create Date: 2026-12-01 21:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "handouts_0001"
down_revision = None
branch_labels = ("handouts",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "handouts_handouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("bundled", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handouts_handouts")),
        sa.UniqueConstraint("slug", "language", name=op.f("uq_handouts_handouts_slug")),
    )
    op.create_table(
        "handouts_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handout_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handout_id"],
            ["handouts_handouts.id"],
            name=op.f("fk_handouts_versions_handout_id_handouts_handouts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_handouts_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handouts_versions")),
        sa.UniqueConstraint("handout_id", "number", name=op.f("uq_handouts_versions_handout_id")),
    )
    op.create_index(
        op.f("ix_handouts_versions_handout_id"), "handouts_versions", ["handout_id"], unique=False
    )
    op.create_table(
        "handouts_render_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_handouts_render_cache")),
    )
    op.create_table(
        "handouts_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("patient_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_handouts_batches_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handouts_batches")),
    )
    op.create_table(
        "handouts_prints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("printed_by_id", sa.Integer(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("version_ids", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("next_visit", sa.String(length=200), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_handouts_prints_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["printed_by_id"], ["users.id"], name=op.f("fk_handouts_prints_printed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["handouts_batches.id"],
            name=op.f("fk_handouts_prints_batch_id_handouts_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handouts_prints")),
    )
    op.create_index(
        op.f("ix_handouts_prints_patient_id"), "handouts_prints", ["patient_id"], unique=False
    )
    op.create_index(
        op.f("ix_handouts_prints_service_date"), "handouts_prints", ["service_date"], unique=False
    )


def downgrade():
    op.drop_table("handouts_prints")
    op.drop_table("handouts_batches")
    op.drop_table("handouts_render_cache")
    op.drop_index(op.f("ix_handouts_versions_handout_id"), table_name="handouts_versions")
    op.drop_table("handouts_versions")
    op.drop_table("handouts_handouts")
