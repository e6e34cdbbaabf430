"""admin actions: the audit trail of the admin's changes to accounts

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-01 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_admin_actions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["users.id"],
            name=op.f("fk_admin_actions_target_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    op.create_index("ix_admin_actions_target_id_id", "admin_actions", ["target_id", "id"])
    op.create_index("ix_admin_actions_actor_id_id", "admin_actions", ["actor_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_admin_actions_actor_id_id", table_name="admin_actions")
    op.drop_index("ix_admin_actions_target_id_id", table_name="admin_actions")
    op.drop_table("admin_actions")
