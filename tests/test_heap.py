"""Long-lived processes freeze what they loaded at start (lasso.heap), so a full garbage
collection walks only what was made since, not ~120,000 objects that never die."""

from __future__ import annotations

import gc

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


@pytest.mark.parametrize("signal", [worker_process_init, worker_ready])
def test_a_worker_process_freezes_once_it_is_started(unfrozen, signal):
    import lasso.celery  # noqa: F401 - connects the handlers

    signal.send(sender=None)
    assert gc.get_freeze_count() > 0
