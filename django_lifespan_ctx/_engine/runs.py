"""One owner task for a run of consecutive async contexts: entered in order, exited in reverse, in it.

A task of its own per context costs a trip round the event loop to enter it
and another to exit it: more than the contexts themselves, and more than a
plain AsyncExitStack. A run owner enters every context of a run in one task
(merging what each yields before the next is made, as the runner would), holds
them, and exits them in reverse in that same task: one trip per run.

The runner still keeps every deadline: it reads which context the run owner is
entering or exiting (``current``), cancels the task when that one overruns, and
gives each exit its own timeout. One exit that ignores its cancellation past a
second timeout would hold the exits after it in the same task: those are then
handed to a fresh run owner (``hand_off``), so a slow exit never costs the
contexts after it their exit. A sync context ends the run: the runner hands
what its factory made to an owner thread of its own (``pending_sync``), and
starts a new run after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from django_lifespan_ctx._engine import observers
from django_lifespan_ctx._engine.owner import (
    Owner,
    hold_until_released,
    make_context,
    start_task,
    uncancel_current_task,
)
from django_lifespan_ctx._engine.plan import Entry


class RunOwner:
    """Enters ``entries`` in one task until one fails, a sync context comes, or all are in.

    ``make_owner`` makes the bookkeeping Owner of an entry (its report, its
    outcome); ``merge`` merges what an owner's context yielded into ``state``,
    raising as the runner does; ``wake`` tells the runner something changed.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        state: dict[str, Any],
        make_owner: Callable[[Entry], Owner],
        merge: Callable[[Owner], None],
        wake: Callable[[], None],
    ) -> None:
        self.entries, self.state = entries, state
        self.make_owner, self.merge, self.wake = make_owner, merge, wake
        self.loop = asyncio.get_running_loop()
        # Every owner made, in order of entry; the ones this task still has to exit.
        self.owners: list[Owner] = [make_owner(entries[0])]
        self._stack: list[Owner] = []
        # The owner whose enter or exit is under way: the one a deadline names.
        self.current: Owner = self.owners[0]
        self.entering = True
        self.done = False
        self.released = False
        self.phase: observers.Phase = "shutdown"
        # Why entering stopped early: an enter that failed, or a merge that raised.
        self.failed: Owner | None = None
        self.merge_error: BaseException | None = None
        # A sync context, made but not entered: the runner gives it a thread.
        self.pending_sync: tuple[Owner, Any] | None = None
        self.release_waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def exiting(cls, owners: list[Owner], template: RunOwner) -> RunOwner:
        """A fresh run owner that only exits ``owners`` (entered elsewhere), last first."""
        run = cls.__new__(cls)
        run.entries, run.state = (), template.state
        run.make_owner, run.merge, run.wake = template.make_owner, template.merge, template.wake
        run.loop = template.loop
        run.owners, run._stack = list(owners), list(owners)
        run.current = owners[-1]
        run.entering, run.done, run.released, run.phase = False, False, True, template.phase
        run.failed, run.merge_error, run.pending_sync = None, None, None
        run.release_waiter = None
        run._task = start_task(run.loop, run._exit_all(), f"lifespan exits after {owners[-1].entry.name}")
        run._task.add_done_callback(run._task_ended)
        return run

    # -- what the runner calls --------------------------------------------

    def start(self) -> None:
        self._task = start_task(self.loop, self._carry(), f"lifespan contexts from {self.entries[0].name}")
        self._task.add_done_callback(self._task_ended)

    def release(self, phase: observers.Phase) -> None:
        """Exit them all, last first; an enter still running is cancelled."""
        if self.released:
            return
        self.released = True
        self.phase = phase
        waiter = self.release_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.entering and self._task is not None:
            self._task.cancel()

    def cancel(self) -> None:
        """The current enter or exit is past its deadline: cancel it."""
        if self._task is not None:
            self._task.cancel()

    def hand_off(self) -> RunOwner | None:
        """The current step ignored its cancellation: the exits still owed go to a fresh owner."""
        rest, self._stack = self._stack, []
        return RunOwner.exiting(rest, self) if rest else None

    # -- the task ---------------------------------------------------------

    async def _carry(self) -> None:
        await self._enter_all()
        self.entering = False
        self.wake()
        await hold_until_released(self)
        await self._exit_all()

    async def _enter_all(self) -> None:
        for index, entry in enumerate(self.entries):
            if self.released:
                return
            owner = self.owners[0] if index == 0 else self.make_owner(entry)
            if index:
                self.owners.append(owner)
            self.current = owner
            owner.begin()
            try:
                made, is_async = make_context(entry, self.state)
            except BaseException as exc:
                self._fail(owner, exc)
                return
            if not is_async:
                self.pending_sync = (owner, made)
                return
            try:
                value = await made.__aenter__()
            except BaseException as exc:
                self._fail(owner, exc)
                return
            owner.made = made
            self._stack.append(owner)
            owner.mark_entered(value)
            if self.released:
                return  # Released while this one entered: it is exited first, like the rest.
            try:
                self.merge(owner)
            except BaseException as exc:
                self.merge_error, self.failed = exc, owner
                return

    def _fail(self, owner: Owner, error: BaseException) -> None:
        if isinstance(error, asyncio.CancelledError):
            uncancel_current_task()  # The exits of those entered before it start uncancelled.
        self.failed = owner
        owner.mark_enter_failed(error)

    async def _exit_all(self) -> None:
        # Read again at each turn: a hand-off empties it, and this task then stops
        # once the exit it is stuck in returns.
        while self._stack:
            owner = self._stack.pop()
            self.current = owner
            owner.released = True
            owner.exit_phase = self.phase
            owner.mark_exit_started()
            try:
                await owner.made.__aexit__(None, None, None)
            except BaseException as exc:
                owner.exit_error = exc
                if isinstance(exc, asyncio.CancelledError):
                    uncancel_current_task()  # Ours, past the deadline: the next exit starts uncancelled.
            owner.made = None
            owner.mark_finished()

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        # Cancelled before its first step, the task never ran _carry: the first owner
        # never began, and is done without having entered. Ended while entering, the
        # run failed there: the runner must not take the entries not reached as entered.
        was_entering, self.entering = self.entering, False
        if self.loop.is_closed():
            return
        for owner in self.owners:
            if not owner.done and not owner.opened:
                owner.mark_enter_failed(asyncio.CancelledError())
                if was_entering and self.failed is None:
                    self.failed = owner
        self.done = True
        self.wake()
