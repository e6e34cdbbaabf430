"""Exact counts of searched lists, for the search terms that people use often.

A list with ``?search=term`` matches tickets whose title or description contains the term
(``ILIKE '%term%'``). No index summarises arbitrary substrings, so its exact ``COUNT(*)``
re-reads every matching ticket: at a million tickets a frequent term costs a hundred
milliseconds or more per count. For the terms registered in ``search_terms`` (see
``desk.search_counts``), triggers on ``tickets`` (PostgreSQL only, created by the migration)
keep ``search_counts`` in step with every ticket write, exactly like ``ticket_counts``: one row
per (term, list, status, priority, slot), inside the writing transaction, deferred to its
commit. A searched list's count is then the sum of a few of these rows.

A term is registered, with its initial counts, while the tickets table is locked against
writers (``LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE``), and evicted the same way, so
that in any snapshot a term's counts are complete or the term is absent; the count query
falls back to ``COUNT(*)`` for an absent term. SQLite has the tables but never registers a
term: its searched lists always count rows.
"""

from datetime import datetime

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from .counts import CountCell
from .meta import Base, UTCDateTime, utcnow


class SearchTerm(Base):
    __tablename__ = "search_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The ILIKE pattern that the list's query uses, escaped: ``%50\%\_off%`` for "50%_off".
    pattern: Mapped[str] = mapped_column(Text, unique=True)
    #: The oldest terms are evicted first when there are more than the configured maximum.
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchCount(CountCell, Base):
    """Like ``TicketCount``, for the tickets that match one registered term."""

    __tablename__ = "search_counts"

    #: ``search_terms.id``; no foreign key: rows are only written by the triggers and by the
    #: registration, and a term's rows are deleted with it under the table lock. A foreign
    #: key would add a lookup in ``search_terms`` to every counter write.
    term_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, sort_order=-1
    )


#: The row trigger on ``tickets`` for INSERT and DELETE; a bulk load may switch it off for its
#: transaction if it forgets every registered term in the same transaction.
SEARCH_COUNT_TRIGGER = "search_counts_insert_delete"
