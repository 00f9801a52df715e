"""What the interfaces read: listings of cases, tasks, history and the outbox.

Reads never write, and never decode what a listing does not show (a case's
fields are half the cost of a listing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from trinn.engine.status import OutboxStatus, TaskStatus
from trinn.engine.store.driver import TransactionBase
from trinn.engine.store.tables import cases, deliveries, events, outbox, playbooks, tasks

__all__ = ["Reads"]

_OUTBOX_STATUSES = tuple(s for s in OutboxStatus if s is not OutboxStatus.LOST)


class Reads(TransactionBase):
    """Listings, for the queries (engine.queries) and the scenario runner."""

    def case_rows(
        self,
        *,
        playbook: str | None = None,
        state: str | None = None,
        closed: bool | None = None,
        overdue_at: dt.datetime | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[RowMapping]:
        """Cases as a listing shows them (without their fields: decoding those is half the cost)."""
        listed = [c for c in cases.c if c.name != "fields"]
        query = sa.select(*listed).order_by(cases.c.id)
        if playbook is not None:
            query = query.where(cases.c.playbook_id == playbook)
        if state is not None:
            query = query.where(cases.c.state == state)
        if closed is not None:
            query = query.where(cases.c.closed_at.is_not(None) if closed else cases.c.closed_at.is_(None))
        if ids is not None:
            query = query.where(cases.c.id.in_(list(ids)))
        if overdue_at is not None:
            query = query.where(
                sa.exists().where(
                    tasks.c.case_id == cases.c.id,
                    tasks.c.status == TaskStatus.OPEN,
                    tasks.c.due_at <= overdue_at,
                )
            )
        return list(self.execute(query).mappings())

    def open_task_rows(
        self,
        *,
        roles: Sequence[str] | None = None,
        assignee: str | None = None,
        overdue_at: dt.datetime | None = None,
    ) -> list[RowMapping]:
        """Open tasks of open cases, joined with their case, soonest due first."""
        query = (
            sa.select(
                tasks,
                cases.c.playbook_id,
                cases.c.playbook_version,
                cases.c.playbook_sha256,
                cases.c.subject,
                cases.c.state.label("case_state"),
            )
            .join(cases, cases.c.id == tasks.c.case_id)
            .where(
                tasks.c.status == TaskStatus.OPEN, cases.c.closed_at.is_(None), tasks.c.entry == cases.c.entry
            )
            .order_by(tasks.c.due_at.is_(None), tasks.c.due_at, tasks.c.case_id, tasks.c.id)
        )
        if roles is not None and assignee is not None:
            query = query.where(sa.or_(tasks.c.role.in_(list(roles)), tasks.c.assignee == assignee))
        elif roles is not None:
            query = query.where(tasks.c.role.in_(list(roles)))
        if overdue_at is not None:
            query = query.where(tasks.c.due_at <= overdue_at)
        return list(self.execute(query).mappings())

    def event_rows(self, case_id: int) -> list[RowMapping]:
        return list(
            self.execute(
                sa.select(events).where(events.c.case_id == case_id).order_by(events.c.case_version)
            ).mappings()
        )

    def outbox_rows(self, case_id: int | None = None) -> list[RowMapping]:
        query = sa.select(outbox).order_by(outbox.c.id)
        if case_id is not None:
            query = query.where(outbox.c.case_id == case_id)
        return list(self.execute(query).mappings())

    def child_ids(self, case_id: int) -> list[int]:
        return [
            int(i)
            for i in self.execute(
                sa.select(cases.c.id).where(cases.c.parent_id == case_id).order_by(cases.c.id)
            ).scalars()
        ]

    def outbox_listing(
        self, *, status: str | None = None, ids: Sequence[int] | None = None
    ) -> list[RowMapping]:
        query = sa.select(outbox).where(outbox.c.kind == "notify").order_by(outbox.c.id)
        if status is not None:
            query = query.where(outbox.c.status == status)
        if ids is not None:
            query = query.where(outbox.c.id.in_(list(ids)))
        return list(self.execute(query).mappings())

    def delivery_rows(self, outbox_ids: Sequence[int]) -> list[RowMapping]:
        if not outbox_ids:
            return []
        return list(
            self.execute(
                sa.select(deliveries)
                .where(deliveries.c.outbox_id.in_(list(outbox_ids)))
                .order_by(deliveries.c.id)
            ).mappings()
        )

    def case_listing(self) -> tuple[list[RowMapping], dict[int, tuple[int, Any, set[str]]]]:
        """Every case as a listing shows it, and for each case with open tasks in its current
        state: how many, the first due date, their roles. Two plain scans joined in Python:
        a GROUP BY over the join costs twice as much on SQLite."""
        query = sa.select(
            cases.c.id,
            cases.c.playbook_id,
            cases.c.playbook_sha256,
            cases.c.state,
            cases.c.entry,
            cases.c.subject,
            cases.c.closed_at,
            cases.c.updated_at,
            cases.c.updated_by,
        ).order_by(cases.c.id)
        rows = list(self.execute(query).mappings())
        entries = {row["id"]: row["entry"] for row in rows if row["closed_at"] is None}
        open_tasks: dict[int, tuple[int, Any, set[str]]] = {}
        for case_id, entry, role, due in self.execute(
            sa.select(tasks.c.case_id, tasks.c.entry, tasks.c.role, tasks.c.due_at).where(
                tasks.c.status == TaskStatus.OPEN
            )
        ):
            if entries.get(case_id) != entry:
                continue  # a task of a state the case has left, or of a closed case
            count, first_due, roles = open_tasks.get(case_id, (0, None, set()))
            roles.add(role)
            if due is not None and (first_due is None or due < first_due):
                first_due = due
            open_tasks[case_id] = (count + 1, first_due, roles)
        return rows, open_tasks

    def playbook_texts(self, sha256s: Sequence[str]) -> dict[str, str]:
        """The stored text of each playbook version asked for, by hash."""
        query = sa.select(playbooks.c.sha256, playbooks.c.yaml).where(playbooks.c.sha256.in_(list(sha256s)))
        return {row.sha256: str(row.yaml) for row in self.execute(query)}

    def change_mark(self) -> tuple[int, ...]:
        """Changes whenever any case or outbox row changes: the last event, the last outbox
        row, the outbox's attempts so far, the last delivery result, and how many rows are in
        each status (deliveries write no event; a row can fail or be requeued without a new
        delivery or attempt)."""
        last_event = self.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0
        outbox_mark = self.execute(
            sa.select(sa.func.max(outbox.c.id), sa.func.sum(outbox.c.attempts))
        ).first()
        last_delivery = self.execute(sa.select(sa.func.max(deliveries.c.id))).scalar() or 0
        counts = dict(
            self.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)).all()
        )
        return (
            int(last_event),
            int(outbox_mark[0] or 0) if outbox_mark else 0,
            int(outbox_mark[1] or 0) if outbox_mark else 0,
            int(last_delivery),
            *(int(counts.get(status, 0)) for status in _OUTBOX_STATUSES),
        )
