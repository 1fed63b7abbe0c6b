"""The garbage collector, set for a process that serves sockets (the workbench, ``run``).

Two facts about such a process, measured with a storm of 10,000 connects:

* Start-up makes objects that live as long as the process (modules, classes, the
  window's wrappers: some 50,000). ``freeze_startup_objects`` puts them out of the
  collector's reach, so a full collection no longer walks them (50-60 ms each).
* Every event makes a record that lives until its consumer drains it (the log's
  feeder every 40 ms, the runner's writer every 50 ms). With CPython's default young
  threshold (700 allocations) a burst of events sets off a young collection every
  few hundred records; the records it finds still waiting survive it, are promoted,
  and soon trigger full collections over every connection object: four full
  collections of 50-60 ms each while accepting 10,000 connections (a quarter of the
  time). A young threshold of ``YOUNG_THRESHOLD`` lets most records be drained, and
  freed by their reference count, before a collection looks at them: no full
  collection in that storm, young collections of about 1 ms.

Cyclic garbage is still collected, a little later; memory between collections
grows by at most the young threshold's worth of objects.
"""

from __future__ import annotations

import gc

#: allocations (less deallocations) of tracked objects between young collections
YOUNG_THRESHOLD = 5_000
#: young collections between middle ones, middle ones between full ones
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 20


def tune_for_events() -> None:
    """Set the thresholds for a process that serves sockets (see the module doc)."""
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


def freeze_startup_objects() -> None:
    """Collect once, then put every object alive now out of the collector's reach (they
    live as long as the process)."""
    gc.collect()
    gc.freeze()
