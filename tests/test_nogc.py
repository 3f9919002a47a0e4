"""The GC pause restores exactly the state it found, also when nested or on error."""

from __future__ import annotations

import gc

import pytest

from infra import nogc


def test_pause_nests_and_restores() -> None:
    assert gc.isenabled()
    with nogc.paused():
        assert not gc.isenabled()
        with nogc.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause found it off and leaves it off
    assert gc.isenabled()
    with pytest.raises(ValueError), nogc.paused():
        raise ValueError
    assert gc.isenabled()
