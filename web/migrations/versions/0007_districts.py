"""Many districts in one service: districts added, roles per district, the district of edits."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the districts and user_districts tables and edits.district."""
    op.create_table(
        "districts",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "user_districts",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("district", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
    )
    with op.batch_alter_table("edits") as batch:
        batch.add_column(sa.Column("district", sa.String(100), nullable=True))
        batch.create_index("ix_edits_district", ["district"])


def downgrade() -> None:
    """Drop edits.district and the district tables (roles per district are lost)."""
    with op.batch_alter_table("edits") as batch:
        batch.drop_index("ix_edits_district")
        batch.drop_column("district")
    op.drop_table("user_districts")
    op.drop_table("districts")
