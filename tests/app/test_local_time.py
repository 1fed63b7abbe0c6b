"""Every time the program writes is cut from one reading of the local time (app.core.local_time)."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.local_time import ClockFormatter, IsoTimeFormatter, clock_seconds, date_and_time


@settings(max_examples=200, deadline=None)
@given(st.floats(1e8, 4e9, allow_nan=False))
def test_the_texts_agree_with_each_other_and_with_datetime(wall):
    moment = datetime.datetime.fromtimestamp(int(wall))
    assert clock_seconds(wall) == moment.strftime("%H:%M:%S")
    assert date_and_time(wall) == moment.strftime("%Y-%m-%d %H:%M:%S")
    assert ClockFormatter()(wall).startswith(clock_seconds(wall) + ".")
    iso = IsoTimeFormatter()(wall)
    assert iso.startswith(date_and_time(wall).replace(" ", "T") + ".")
