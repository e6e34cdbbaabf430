"""The admin's own actions on people: who changed a role, deactivated someone, set a password.

Ticket changes are in each ticket's history (``TicketEvent``); these are the changes to
accounts, which have no history of their own.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime, utcnow
from .user import User


class AdminAction(Base):
    __tablename__ = "admin_actions"
    __table_args__ = (
        # A user's page shows the actions on them, newest first; the audit list by actor.
        Index("ix_admin_actions_target_id_id", "target_id", "id"),
        Index("ix_admin_actions_actor_id_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``created``, ``edited`` (``data.changes`` = ``{field: [old, new]}``), ``password_set``.
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    target: Mapped[User | None] = relationship(foreign_keys=[target_id], lazy="joined")
