"""attachments and their stored bytes

``attachments``: one row per file on a ticket (optionally on one of its comments), its
display name, sniffed type, size and sha256. ``attachment_chunks``: the bytes, in fixed-size
slices, when ``desk.attachments.storage = postgresql`` (the default).

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-01 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachments_size")),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_attachments_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_attachments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["users.id"],
            name=op.f("fk_attachments_uploader_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_ticket_id_id", "attachments", ["ticket_id", "id"])
    op.create_index("ix_attachments_ticket_id_sha256", "attachments", ["ticket_id", "sha256"])
    op.create_index(op.f("ix_attachments_comment_id"), "attachments", ["comment_id"])
    op.create_table(
        "attachment_chunks",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", "seq", name=op.f("pk_attachment_chunks")),
    )


def downgrade() -> None:
    op.drop_table("attachment_chunks")
    op.drop_index(op.f("ix_attachments_comment_id"), table_name="attachments")
    op.drop_index("ix_attachments_ticket_id_sha256", table_name="attachments")
    op.drop_index("ix_attachments_ticket_id_id", table_name="attachments")
    op.drop_table("attachments")
