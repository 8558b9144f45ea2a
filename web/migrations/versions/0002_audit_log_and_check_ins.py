"""The district data's version on plans, the audit log of edits and the check-ins."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add plans.data_version (0 for plans made before) and the edits and check_ins tables."""
    with op.batch_alter_table("plans") as batch:
        batch.add_column(
            sa.Column("data_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "edits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("undo_of", sa.Integer(), sa.ForeignKey("edits.id"), nullable=True),
    )
    op.create_index("ix_edits_kind", "edits", ["kind"])
    op.create_index("ix_edits_target", "edits", ["target"])
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("stop", sa.String(200), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("group_id", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("shift", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("late_minutes", sa.Float(), nullable=False),
        sa.UniqueConstraint("plan_id", "stop", "user_id", name="uq_check_ins_once"),
    )
    op.create_index("ix_check_ins_plan_id", "check_ins", ["plan_id"])
    op.create_index("ix_check_ins_stop", "check_ins", ["stop"])
    op.create_index("ix_check_ins_site", "check_ins", ["site"])


def downgrade() -> None:
    """Drop the check_ins and edits tables and plans.data_version (their rows are lost)."""
    op.drop_index("ix_check_ins_site", table_name="check_ins")
    op.drop_index("ix_check_ins_stop", table_name="check_ins")
    op.drop_index("ix_check_ins_plan_id", table_name="check_ins")
    op.drop_table("check_ins")
    op.drop_index("ix_edits_target", table_name="edits")
    op.drop_index("ix_edits_kind", table_name="edits")
    op.drop_table("edits")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("data_version")
