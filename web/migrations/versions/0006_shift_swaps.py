"""Shift swaps: members' requests to give or swap a shift, and the captain's decision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the shift_swaps table."""
    op.create_table(
        "shift_swaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("group_id", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("shift_id", sa.String(40), nullable=False),
        sa.Column("other_group_id", sa.String(40), nullable=False),
        sa.Column("other_day", sa.String(10), nullable=True),
        sa.Column("other_shift_id", sa.String(40), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("edit_id", sa.Integer(), sa.ForeignKey("edits.id"), nullable=True),
    )
    op.create_index("ix_shift_swaps_plan_id", "shift_swaps", ["plan_id"])
    op.create_index("ix_shift_swaps_status", "shift_swaps", ["status"])


def downgrade() -> None:
    """Drop the shift_swaps table (the requests and their decisions are lost)."""
    op.drop_index("ix_shift_swaps_status", table_name="shift_swaps")
    op.drop_index("ix_shift_swaps_plan_id", table_name="shift_swaps")
    op.drop_table("shift_swaps")
