"""Which records are what, read from the components' declarations (never spelt here):
the reads (an event whose record carries data, and a blocking read), the connects (the
event where a connection is made), the closes (the events the event order table leads
to "closed"), and the errors that are no error event (a handler raised, a caller's error)."""

from __future__ import annotations

from components.component import events_where
from components.event_order import ORDERS
from components.observer import CALLER_ERROR, HANDLER_ERROR, RECEIVE

READS = events_where(lambda e: e.carries_data) | {RECEIVE}
CONNECTS = events_where(lambda e: e.connects)
CLOSES = frozenset(e for o in ORDERS.values() for row in o.rows.values() for e, target in row.items()
                   if target == "closed" and "(" not in e)
ERRORS = frozenset({HANDLER_ERROR, CALLER_ERROR})
