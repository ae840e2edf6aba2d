"""What a long-lived process loaded at start is kept out of the garbage collector's way.

Django, the URL configuration, the SDKs and the task modules are ~120,000 objects that live
as long as the process. Each full collection walked them all: 65 ms measured in-process,
during which no other thread of the process runs (in a worker, the drain's text-backs
stalled ~120 ms at once, the longest waits of bench/textback.py). `gc.freeze()` moves them
out of the collector's generations, as Python's documentation advises for servers, so a
collection only walks what was made since.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    """Collect once, then move every object alive now out of the collector's sight."""
    gc.collect()
    gc.freeze()
