"""Plans in force: a plan's state (draft, published, superseded) and who published it when."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add plans.state ("draft" for plans made before), published_at and published_by_id."""
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("published_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_plans_published_by_id_users", "users", ["published_by_id"], ["id"]
        )


def downgrade() -> None:
    """Drop the plans' state and publication columns (which plan was in force is lost)."""
    with op.batch_alter_table("plans") as batch:
        batch.drop_constraint("fk_plans_published_by_id_users", type_="foreignkey")
        batch.drop_column("published_by_id")
        batch.drop_column("published_at")
        batch.drop_column("state")
