import cProfile, pstats, time, os
from unittest import mock
import pytest
from calls import routing, voice_queue
from tests.calls.helpers import CallFlow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.voice_queue]

def test_prof(tenant, twilio):
    routing.refresh(numbers=[tenant.number])
    flows = [CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=f"+1212555{1000+i:04d}") for i in range(400)]
    with mock.patch.object(voice_queue, "publish_drain"):
        for f in flows[:50]:
            f.incoming(); f.dial_complete("no-answer")
        prof = cProfile.Profile()
        t0 = time.process_time()
        prof.enable()
        for f in flows[50:]:
            f.incoming(); f.dial_complete("no-answer")
        prof.disable()
        t1 = time.process_time()
    print(f"\nPER WEBHOOK {1000*(t1-t0)/700:.3f} ms (profiled)")
    t0 = time.process_time()
    with mock.patch.object(voice_queue, "publish_drain"):
        flows2 = [CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=f"+1212556{1000+i:04d}") for i in range(300)]
        for f in flows2:
            f.incoming(); f.dial_complete("no-answer")
    t1 = time.process_time()
    print(f"PER WEBHOOK {1000*(t1-t0)/600:.3f} ms (unprofiled, incl. test client)")
    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    n = voice_queue.drain()
    prof.disable()
    t1 = time.process_time()
    st = pstats.Stats(prof); st.sort_stats("cumulative").print_stats(70)
    print(f"DRAIN {n} events {1000*(t1-t0)/max(n,1):.3f} ms/event")
