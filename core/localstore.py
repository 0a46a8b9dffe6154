"""The private in-process key-value store (core.kv.create_kv with no REDIS_URL).

fakeredis, plus the rate limiter's buckets kept natively: fakeredis would run
core.ratelimit's Lua script on every call through an embedded Lua interpreter (~0.5 ms a
call, growing with the calls in the window), more than a whole cached request costs;
and `local_cache`, for caches whose values need no encoding in a store no other process
reads (core.tracking).
"""

from __future__ import annotations

import bisect
import time
from array import array
from itertools import islice
from typing import Any

from fakeredis import FakeAsyncRedis


class LocalStore(FakeAsyncRedis):
    """The private in-process store, with the rate limiter's buckets kept natively.

    A bucket is the sorted array of the scores (milliseconds, 8 bytes each: a bucket
    of a high limit holds every call of its window) of the calls it counts; it
    lives under the limiter's key ("rl:<bucket>") and `delete`/`flushdb`/`flushall`
    drop it like any key. The semantics are those of core.ratelimit's scripts, which run
    on real Redis; a bucket whose calls have all left its window is dropped (the
    scripts' PEXPIRE), swept every `SWEEP_EVERY` calls.
    """

    SWEEP_EVERY = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # key -> (scores ascending, the moment (ms) after which the bucket is empty)
        self._buckets: dict[str, tuple[array[int], int]] = {}
        self._calls = 0
        # Caches of Python objects (core.tracking's views): the store is this process's.
        self.local_cache = LocalCache()

    def _window_of(self, key: str, now: int, window: int) -> array[int]:
        self._calls += 1
        if self._calls % self.SWEEP_EVERY == 0:
            self._sweep(now)
        found = self._buckets.get(key)
        scores = found[0] if found else array("q")
        cut = bisect.bisect_right(scores, now - window)
        if cut:
            del scores[:cut]
        return scores

    def _sweep(self, now: int) -> None:
        for key in [k for k, (_, until) in self._buckets.items() if until < now]:
            del self._buckets[key]

    async def sliding_window(self, key: str, now: int, window: int, limit: int) -> list[Any]:
        """core.ratelimit.SLIDING_WINDOW: [allowed, calls counted, score of the oldest]."""
        scores = self._window_of(key, now, window)
        allowed = 0
        if len(scores) < limit:
            bisect.insort(scores, now)
            allowed = 1
        if scores:
            self._buckets[key] = (scores, max(scores[-1], now) + window + 1000)
        else:
            self._buckets.pop(key, None)
        return [allowed, len(scores), str(scores[0] if scores else now)]

    async def sliding_booking(self, key: str, at: int, window: int, limit: int) -> str:
        """core.ratelimit.SLIDING_BOOKING: the earliest moment >= at that fits, booked."""
        scores = self._window_of(key, at, window)
        moment = at
        if len(scores) >= limit:
            moment = max(at, scores[len(scores) - limit] + window)
        bisect.insort(scores, moment)
        self._buckets[key] = (scores, max(scores[-1], at) + window + 1000)
        return str(moment)

    async def delete(self, *names: Any) -> int:
        dropped = sum(self._buckets.pop(str(name), None) is not None for name in names)
        return dropped + int(await super().delete(*names))

    async def flushdb(self, *args: Any, **kwargs: Any) -> Any:
        self._buckets.clear()
        self.local_cache = LocalCache()
        return await super().flushdb(*args, **kwargs)

    async def flushall(self, *args: Any, **kwargs: Any) -> Any:
        self._buckets.clear()
        self.local_cache = LocalCache()
        return await super().flushall(*args, **kwargs)


class LocalCache:
    """Python objects kept for a while, in this process only (no copy, no encoding): what
    a cache in Redis holds as text, for a store that is private to the process anyway.
    At most `max_entries`, the oldest written dropped first; expired ones are dropped as
    new ones are written."""

    def __init__(self, max_entries: int = 5_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        return found[1]

    def set(self, key: str, value: Any, *, ex: float) -> None:
        now = time.monotonic()
        self._entries.pop(key, None)
        self._entries[key] = (now + ex, value)
        # The oldest written first: drop a few that have expired (or are one too many).
        for oldest, (until, _) in list(islice(self._entries.items(), 8)):
            if until >= now and len(self._entries) <= self.max_entries:
                break
            del self._entries[oldest]

    def delete(self, key: str) -> None:
        self._entries.pop(key, None)
