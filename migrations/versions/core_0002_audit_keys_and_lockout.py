"""audit log authenticated and sealed apart from requests; refusal counters; login purpose

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-01 20:05:00

Existing audit rows keep their plain SHA-256 chain (they predate the audit key) and
become the log's legacy prefix; rows from now on carry keyed MACs (docs/audit.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

_OLD_SQLITE_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete")


def upgrade():
    from clinic.audit.models import append_only_ddl
    from clinic.database import ensure_truncate_guards

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # Batch mode rebuilds the table; the triggers are recreated below.
        for trigger in _OLD_SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("row_mac", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_nonce"), ["nonce"])
    for statement in append_only_ddl().get(dialect, ()):
        op.execute(statement)

    op.create_table(
        "audit_refusal_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_refusal_counts")),
        sa.UniqueConstraint("event_type", "source", "hour", name="uq_audit_refusal_counts_key"),
    )
    with op.batch_alter_table("audit_refusal_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_refusal_counts_hour"), ["hour"], unique=False)

    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), nullable=False, server_default="login")
        )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.alter_column("purpose", server_default=None)

    # Tables guarded against DELETE (the audit log, plugins' signed records) are now
    # guarded against TRUNCATE too; env.py repeats this after every migration.
    ensure_truncate_guards(op.get_bind())


def downgrade():
    # The old schema cannot hold authenticated or unsealed rows: going back would strip
    # the audit log's protection, so it is refused rather than done silently.
    raise RuntimeError("core_0002 cannot be downgraded: it would strip the audit log's MACs")
