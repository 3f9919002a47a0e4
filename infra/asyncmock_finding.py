"""What the AsyncMock guard reports: one use of an unconfigured awaited result.

Three places share the record and none of them owns the others: ``infra.asyncmock_armed``
makes it inside every pytest process (so nothing here imports pytest, and nothing heavy),
``infra.asyncmock_guard`` writes it to and reads it from the JSON report, and ``infra asyncmock
fix --from-guard`` (``infra.asyncmock.confirmed``) rewrites the tests it names.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Finding(NamedTuple):
    """One use of an unconfigured awaited result, as written to the JSON report."""

    test: str  # pytest node id
    mock: str  # the awaited mock, e.g. ``authz.check_permission``
    created: str  # ``path:line`` where its root mock was made
    creator: str  # how: ``AsyncMock()``, ``patch(app.auth.check)``, ``@patch(...) on test_x``
    use: str  # how the result was used (see ``infra.asyncmock_armed._USES``, or ``.attribute``)
    used_at: str  # ``path:line`` of the first frame outside the standard library
    code: str  # that line's source, stripped

    def to_dict(self) -> dict[str, str]:
        return self._asdict()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(**{field: str(data[field]) for field in cls._fields})

    def __str__(self) -> str:
        return (
            f"{self.test}: awaited unconfigured {self.mock} (made at {self.created} by {self.creator}) "
            f"is used ({self.use}) at {self.used_at}: {self.code}"
        )
