"""The circuit breaker's state machine: pure functions over a snapshot, no I/O, no clock.

Everything here takes ``now`` (seconds on the breaker's clock) as an argument and mutates only
the :class:`BreakerSnapshot` it is given, so the same code runs on in-process state and inside
a Redis transaction, and hypothesis can drive it step by step.

States (Polly v8 and resilience4j semantics):

- **closed**: calls run; outcomes are counted in a rolling window of ``sampling_duration``
  seconds split into ``buckets``. It opens when at least ``minimum_throughput`` calls were
  counted and ``failures / calls >= failure_ratio``; or after ``consecutive_failures`` failures
  in a row; or when the share of slow calls reaches ``slow_call_ratio``.
- **open**: calls are refused until ``open_until``; the break lasts
  ``break_duration * break_duration_growth ** (n - 1)`` for the n-th consecutive opening,
  capped at ``max_break_duration``.
- **half_open**: up to ``half_open_max_calls`` trial calls run at once. Each trial holds a
  *lease* that expires ``trial_timeout`` seconds after it was granted: a trial that hangs,
  is lost with its process, or never reports back frees its slot when the lease expires, so
  the breaker can never be stuck half-open. One successful trial closes the breaker, one
  failed trial opens it again; a trial that reports after its lease expired changes nothing.
- **isolated**: forced open by hand until reset.
"""

from __future__ import annotations

import json
import math
import os
from enum import StrEnum
from typing import Any, Literal

import attrs

__all__ = [
    "Admission",
    "BreakerPolicy",
    "BreakerSnapshot",
    "BreakerState",
    "Transition",
    "admit",
    "force",
    "settle",
    "window",
]

Kind = Literal["allowed", "trial", "rejected"]
Outcome = Literal["success", "failure", "ignored"]


class BreakerState(StrEnum):
    """The four states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"
    ISOLATED = "isolated"


@attrs.frozen(kw_only=True)
class BreakerPolicy:
    """A breaker's configuration (see :class:`~medianest_sdk.CircuitBreaker` for each field);
    seconds throughout."""

    failure_ratio: float = 0.5
    minimum_throughput: int = 10
    sampling_duration: float = 30.0
    buckets: int = 10
    break_duration: float = 5.0
    break_duration_growth: float = 1.0
    max_break_duration: float | None = None
    consecutive_failures: int | None = None
    half_open_max_calls: int = 1
    slow_call_duration: float | None = None
    slow_call_ratio: float = 1.0
    trial_timeout: float | None = None

    @property
    def bucket_width(self) -> float:
        """Seconds one bucket of the sampling window covers."""
        return self.sampling_duration / self.buckets

    @property
    def lease(self) -> float:
        """Seconds a half-open trial's lease lasts (``trial_timeout``, else ``break_duration``)."""
        return self.trial_timeout if self.trial_timeout is not None else self.break_duration

    def break_for(self, openings: int) -> float:
        """The break duration of the ``openings``-th consecutive opening."""
        duration = self.break_duration * self.break_duration_growth ** max(0, openings - 1)
        if self.max_break_duration is not None:
            duration = min(duration, self.max_break_duration)
        return duration


@attrs.define
class BreakerSnapshot:
    """The whole state of one breaker; what a breaker store keeps (as JSON when shared).

    Attributes:
        state: The current state.
        open_until: When an open breaker lets a trial through, or ``None``.
        opened_at: When it last opened, or ``None``.
        openings: Consecutive openings without a close in between (for the growing break).
        trials: Half-open trial leases: lease id -> expiry time.
        consecutive_failures: Failures in a row while closed.
        buckets: ``[bucket_id, calls, failures, slow_calls]`` per bucket in the window.
        calls, failures, slow: The window's totals (sums of ``buckets``, kept for O(1) calls).
        recovered: Set by a store (never saved) when the saved state did not parse and this
            fresh snapshot replaced it; says why.
    """

    state: BreakerState = BreakerState.CLOSED
    open_until: float | None = None
    opened_at: float | None = None
    openings: int = 0
    trials: dict[str, float] = attrs.Factory(dict)
    consecutive_failures: int = 0
    buckets: list[list[int]] = attrs.Factory(list)
    calls: int = 0
    failures: int = 0
    slow: int = 0
    recovered: str | None = attrs.field(default=None, eq=False)

    def clear_window(self) -> None:
        """Forget every counted call."""
        self.buckets = []
        self.calls = self.failures = self.slow = 0

    def to_json(self) -> str:
        """Serialize for a shared store (JSON, never pickle)."""
        data = attrs.asdict(self, filter=lambda a, _: a.name != "recovered")
        data["state"] = self.state.value
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> BreakerSnapshot:
        """Inverse of :meth:`to_json`. Anything that does not parse into a valid snapshot
        (``null``, ``[]``, a short bucket, ``1e400``, deep nesting, ``"open_until": "soon"``)
        gives a fresh closed snapshot whose ``recovered`` says why."""
        try:
            return _parse(json.loads(text))
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
            return cls(recovered=f"saved state did not parse ({type(exc).__name__})")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("not a finite number")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("not a count")
    return value


def _parse(data: Any) -> BreakerSnapshot:
    if not isinstance(data, dict):
        raise TypeError("not an object")
    buckets = []
    for bucket in data.get("buckets", []):
        if not isinstance(bucket, list) or len(bucket) != 4:
            raise ValueError("bad bucket")
        buckets.append([_count(x) if i else int(_number(x) or 0) for i, x in enumerate(bucket)])
    trials_raw = data.get("trials", {})
    if not isinstance(trials_raw, dict):
        raise TypeError("bad trials")
    trials = {str(k): float(_number(v) or 0.0) for k, v in trials_raw.items()}
    return BreakerSnapshot(
        state=BreakerState(data["state"]),
        open_until=_number(data.get("open_until")),
        opened_at=_number(data.get("opened_at")),
        openings=_count(data.get("openings", 0)),
        trials=trials,
        consecutive_failures=_count(data.get("consecutive_failures", 0)),
        buckets=buckets,
        calls=sum(b[1] for b in buckets),
        failures=sum(b[2] for b in buckets),
        slow=sum(b[3] for b in buckets),
    )


@attrs.frozen
class Transition:
    """A state change: from ``old`` to ``new`` for ``reason``; ``break_duration`` when opening."""

    old: str
    new: str
    reason: str
    break_duration: float | None = None


@attrs.frozen
class Admission:
    """The decision on one call.

    Attributes:
        kind: ``"allowed"`` (closed), ``"trial"`` (a half-open trial holding ``lease``) or
            ``"rejected"``.
        lease: The trial's lease id, or ``None``.
        retry_after: For a rejection, seconds until a call may pass (``None`` when isolated).
        reason: For a rejection, why (for the error message).
        transition: The state change admission caused (open -> half_open), if any.
        changed: Whether the snapshot was modified (a shared store writes only then).
    """

    kind: Kind
    lease: str | None = None
    retry_after: float | None = None
    reason: str = ""
    transition: Transition | None = None
    changed: bool = False


ALLOWED = Admission("allowed")


def _open(p: BreakerPolicy, s: BreakerSnapshot, now: float) -> float:
    s.openings += 1
    duration = p.break_for(s.openings)
    s.state = BreakerState.OPEN
    s.opened_at = now
    s.open_until = now + duration
    s.trials = {}
    s.consecutive_failures = 0
    return duration


def admit(p: BreakerPolicy, s: BreakerSnapshot, now: float) -> Admission:
    """Decide whether a call may run now; grant a trial lease when half-open."""
    if s.state is BreakerState.CLOSED:
        return ALLOWED
    if s.state is BreakerState.ISOLATED:
        return Admission("rejected", reason="isolated; call reset() to close it")
    transition = None
    changed = False
    if s.state is BreakerState.OPEN:
        if s.open_until is not None and now < s.open_until:
            wait = s.open_until - now
            return Admission(
                "rejected", retry_after=wait, reason=f"open; next trial in {wait:.1f} s"
            )
        s.state = BreakerState.HALF_OPEN
        s.trials = {}
        transition = Transition("open", "half_open", "break duration elapsed")
        changed = True
    expired = [lease for lease, until in s.trials.items() if until <= now]
    for lease in expired:
        del s.trials[lease]
    changed = changed or bool(expired)
    if len(s.trials) < p.half_open_max_calls:
        lease = os.urandom(8).hex()
        s.trials[lease] = now + p.lease
        return Admission("trial", lease=lease, transition=transition, changed=True)
    wait = max(0.0, min(s.trials.values()) - now)
    return Admission(
        "rejected",
        retry_after=wait,
        reason=f"half-open with every trial call running; a slot frees within {wait:.1f} s",
        transition=transition,
        changed=changed,
    )


def settle(
    p: BreakerPolicy,
    s: BreakerSnapshot,
    kind: Kind,
    lease: str | None,
    outcome: Outcome,
    duration: float,
    now: float,
) -> tuple[Transition | None, bool]:
    """Record one call's outcome; return (the state change it caused, whether ``s`` changed)."""
    if kind == "trial":
        if s.state is not BreakerState.HALF_OPEN or lease not in s.trials:
            return None, False  # a stale trial: its lease expired or the state moved on
        del s.trials[lease]
        if outcome == "success":
            s.state = BreakerState.CLOSED
            s.openings = 0
            s.open_until = None
            s.trials = {}
            s.clear_window()
            return Transition("half_open", "closed", "trial call succeeded"), True
        if outcome == "failure":
            return Transition("half_open", "open", "trial call failed", _open(p, s, now)), True
        return None, True  # ignored: the slot is free again
    if outcome == "ignored" or s.state is not BreakerState.CLOSED:
        return None, False
    failed = outcome == "failure"
    slow = p.slow_call_duration is not None and duration >= p.slow_call_duration
    count(p, s, now, failed, slow)
    s.consecutive_failures = s.consecutive_failures + 1 if failed else 0
    reason = _should_open(p, s)
    if reason is None:
        return None, True
    return Transition("closed", "open", reason, _open(p, s, now)), True


def count(p: BreakerPolicy, s: BreakerSnapshot, now: float, failed: bool, slow: bool) -> None:
    """Add one call to the rolling window (dropping buckets that left it)."""
    bucket_id = int(now // p.bucket_width)
    buckets = s.buckets
    if buckets and buckets[-1][0] == bucket_id:
        bucket = buckets[-1]
    else:
        oldest = bucket_id - p.buckets + 1
        while buckets and buckets[0][0] < oldest:
            _, c, f, w = buckets.pop(0)
            s.calls -= c
            s.failures -= f
            s.slow -= w
        bucket = [bucket_id, 0, 0, 0]
        buckets.append(bucket)
    bucket[1] += 1
    s.calls += 1
    if failed:
        bucket[2] += 1
        s.failures += 1
    if slow:
        bucket[3] += 1
        s.slow += 1


def _should_open(p: BreakerPolicy, s: BreakerSnapshot) -> str | None:
    if p.consecutive_failures is not None and s.consecutive_failures >= p.consecutive_failures:
        return f"{s.consecutive_failures} consecutive failures"
    calls, failures, slow = s.calls, s.failures, s.slow
    if calls < p.minimum_throughput:
        return None
    if failures / calls >= p.failure_ratio:
        return f"failure ratio {failures / calls:.2f} >= {p.failure_ratio:.2f} over {calls} calls"
    if p.slow_call_duration is not None and slow / calls >= p.slow_call_ratio:
        return f"slow-call ratio {slow / calls:.2f} >= {p.slow_call_ratio:.2f}"
    return None


def window(p: BreakerPolicy, s: BreakerSnapshot, now: float) -> tuple[int, int, int]:
    """(calls, failures, slow calls) in the sampling window as of ``now``."""
    oldest = math.floor(now / p.bucket_width) - p.buckets + 1
    calls = failures = slow = 0
    for bucket_id, c, f, w in s.buckets:
        if bucket_id >= oldest:
            calls += c
            failures += f
            slow += w
    return calls, failures, slow


def force(s: BreakerSnapshot, target: BreakerState, reason: str) -> Transition | None:
    """Move to ``target`` by hand (isolate or reset); closing clears the window."""
    old = s.state
    s.state = target
    s.open_until = None
    s.trials = {}
    s.consecutive_failures = 0
    if target is BreakerState.CLOSED:
        s.openings = 0
        s.clear_window()
    return None if old is target else Transition(old.value, target.value, reason)
