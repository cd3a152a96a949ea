"""Races against the real database: callables run at once in threads, each on its own connection,
made to interleave at a pause point rather than by luck.

`race(a, b, pause_at=[(module, "function")])` starts both together. A thread that reaches a
pause point waits there until every thread has reached one (or `wait` seconds pass). A racer may
also bring its own pause points, `Racer(call, pause_at=[...], before=False)`, when the threads
must stop at different places (one holding a lock, the other just after taking another). Where the
guard under test (a lock, a compare-and-set, a constraint) serialises the two, the second thread
is held before its pause point, the first gives up waiting and commits, and the second goes on
after it; without the guard both reach the pause point, and the interleaving the guard exists to
prevent happens every time. A test passes with its guard and fails without it, deterministically.

Tests using it need `django_db(transaction=True)`: each thread commits for real.
"""

import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from functools import wraps
from typing import Any
from unittest import mock

from django.db import connection

WAIT = 1.5  # seconds a thread waits at the pause point for the others


@dataclass
class Racer:
    call: Callable[[], Any]
    pause_at: Sequence[tuple[Any, str]] = ()
    before: bool = True


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def race(
    *calls: Callable[[], Any] | Racer,
    pause_at: Sequence[tuple[Any, str]] = (),
    before: bool = True,
    wait: float = WAIT,
) -> list[Outcome]:
    """Run `calls` at once; return each one's outcome, in order. A pause point is a function
    looked up on a module (or class) and wrapped: the thread pauses `before` calling it, or after.
    Plain callables share `pause_at` and `before`; a Racer brings its own."""
    racers = [c if isinstance(c, Racer) else Racer(c, pause_at, before) for c in calls]
    start = threading.Barrier(len(racers))
    meet = threading.Barrier(len(racers))
    outcomes = [Outcome() for _ in racers]
    mine = threading.local()  # the racer the current thread runs

    def pausing(owner: Any, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            racer = getattr(mine, "racer", None)
            pauses = racer is not None and (owner, name) in [(o, n) for o, n in racer.pause_at]
            if pauses and racer.before:
                _meet(meet, wait)
            result = original(*args, **kwargs)
            if pauses and not racer.before:
                _meet(meet, wait)
            return result

        return wrapper

    def run(index: int, racer: Racer) -> None:
        mine.racer = racer
        try:
            start.wait(timeout=10)
            outcomes[index].value = racer.call()
        except BaseException as exc:  # recorded for the test to judge
            outcomes[index].error = exc
        finally:
            connection.close()

    points = {(id(owner), name): (owner, name) for racer in racers for owner, name in racer.pause_at}
    with ExitStack() as patches:
        for owner, name in points.values():
            patches.enter_context(mock.patch.object(owner, name, pausing(owner, name, getattr(owner, name))))
        threads = [threading.Thread(target=run, args=(i, racer)) for i, racer in enumerate(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a racing thread never finished"
    return outcomes


def _meet(barrier: threading.Barrier, wait: float) -> None:
    """Wait for the other threads; once one has given up (a guard held it back), nobody waits."""
    with suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=wait)
