"""Long-lived processes freeze what they loaded at start (lasso.heap), so a full garbage
collection walks only what was made since, not ~120,000 objects that never die; worker
processes also hand the interpreter between threads every millisecond."""

from __future__ import annotations

import gc
import sys

import pytest
from celery.signals import worker_process_init, worker_ready


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_moves_everything_alive_out_of_the_collectors_generations(unfrozen):
    from lasso import heap

    assert gc.get_freeze_count() == 0
    kept = [object() for _ in range(1000)]
    heap.freeze()
    assert gc.get_freeze_count() >= len(kept)
    assert sum(gc.get_count()) < len(kept)  # the generations start empty again


@pytest.fixture
def switch_interval():
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("signal", [worker_process_init, worker_ready])
def test_a_worker_process_settles_once_it_is_started(unfrozen, switch_interval, signal):
    """Frozen, and a thread back from the database waits at most 1 ms for the others."""
    import lasso.celery

    sys.setswitchinterval(0.005)
    signal.send(sender=None)
    assert gc.get_freeze_count() > 0
    assert sys.getswitchinterval() == pytest.approx(lasso.celery.SWITCH_INTERVAL_SECONDS)
    assert lasso.celery.SWITCH_INTERVAL_SECONDS < 0.005
