"""Pause Python's cyclic garbage collector around bulk parsing.

Parsing a large ledger or hundreds of test files allocates many short-lived, acyclic objects
that reference counting frees anyway; cyclic GC passes over them cost more than the parse
(measured: ~10% of `infra asyncmock check`, more on `infra regress` over 100,000 records).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
