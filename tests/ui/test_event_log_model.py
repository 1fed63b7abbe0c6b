"""EventLogModel: the ring buffer, its notifications, and what each cell shows."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QLocale, QModelIndex, QModelRoleData, QModelRoleDataSpan, Qt
from PySide6.QtGui import QIcon

from components.enums import ErrorEvent
from components.errors import ErrorInfo
from tests.ui.conftest import REFUSED, make_record, varied_records
from ui.event_log_model import Column, EventLogModel

DISPLAY = Qt.ItemDataRole.DisplayRole


def numbered(start: int, n: int) -> list:
    return [make_record(i, connection_id=i) for i in range(start, start + n)]


class Signals:
    """Counts a model's row notifications."""

    def __init__(self, model: EventLogModel) -> None:
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        model.rowsInserted.connect(lambda _p, first, last: self.inserted.append((first, last)))
        model.rowsRemoved.connect(lambda _p, first, last: self.removed.append((first, last)))


def cell(model: EventLogModel, row: int, column: Column, role=DISPLAY):
    return model.data(model.index(row, column), role)


# -- Qt's model checks -----------------------------------------------------------


def test_empty_model_passes_modeltester(qtmodeltester):
    model = EventLogModel()
    qtmodeltester.check(model)
    assert model.rowCount() == 0
    assert model.columnCount() == 7  # Time, Component, Event, Connection, Detail, Data, Hex


def test_model_passes_modeltester_through_appends_eviction_and_resets(qtmodeltester, qapp):
    model = EventLogModel(capacity=50)
    qtmodeltester.check(model)  # Qt's tester stays attached and re-checks on every signal
    model.append_records(varied_records(30))
    model.append_records(varied_records(30))  # evicts 10
    model.append_records(varied_records(120))  # more than the capacity in one batch
    model.set_capacity(20)
    model.set_capacity(80)
    model.append_records(varied_records(70))
    model.clear()
    model.append_records(varied_records(5))
    assert model.rowCount() == 5


def test_headers_and_flags(qapp):
    model = EventLogModel()
    model.append_records(varied_records(1))
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Time", "Component", "Event", "Connection", "Detail", "Data", "Hex"]
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsSelectable and not flags & Qt.ItemFlag.ItemIsEditable
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children


# -- the ring buffer ---------------------------------------------------------------


def test_ring_buffer_keeps_the_newest_capacity_rows(qapp):
    model = EventLogModel(capacity=1000)
    signals = Signals(model)
    sizes = [100, 333, 7, 560, 1000, 500]  # 2500 records, batches of every shape
    start = 0
    for n in sizes:
        model.append_records(numbered(start, n))
        start += n
    assert start == 2500
    assert model.rowCount() == 1000
    assert [model.record(r).connection_id for r in range(1000)] == list(range(1500, 2500))
    assert model.evicted == 1500
    # One insert per batch; evictions always take rows from the front, one removal per batch.
    assert len(signals.inserted) == len(sizes)
    assert all(first == 0 for first, _ in signals.removed)
    assert sum(last - first + 1 for first, last in signals.removed) == 1500
    assert len(signals.removed) <= len(sizes)


def test_one_batch_larger_than_capacity_keeps_its_tail(qapp):
    model = EventLogModel(capacity=10)
    model.append_records(numbered(0, 4))
    model.append_records(numbered(4, 25))
    assert [r.connection_id for r in model.records()] == list(range(19, 29))
    assert model.evicted == 19


def test_memory_stays_bounded_over_a_million_records(qapp):
    model = EventLogModel(capacity=100_000)
    preview = b"x" * 32
    t0 = time.monotonic()
    for start in range(0, 1_000_000, 20_000):  # built lazily, so only the model holds records
        model.append_records([make_record(i, connection_id=i, preview=preview, t=t0)
                              for i in range(start, start + 20_000)])
        assert model.rowCount() <= 100_000
        assert len(model._buf) <= 100_000  # the storage itself never grows past the capacity
    assert model.rowCount() == 100_000
    assert model.record(0).connection_id == 900_000
    assert model.record(99_999).connection_id == 999_999
    assert model.evicted == 900_000


def test_set_capacity_shrinks_from_the_oldest_and_grows_again(qapp):
    model = EventLogModel(capacity=10)
    model.append_records(numbered(0, 15))  # ring wrapped: rows 5..14
    model.set_capacity(4)
    assert [r.connection_id for r in model.records()] == [11, 12, 13, 14]
    model.set_capacity(6)
    model.append_records(numbered(15, 3))
    assert [r.connection_id for r in model.records()] == [12, 13, 14, 15, 16, 17]
    with pytest.raises(ValueError):
        model.set_capacity(0)


def test_clear_and_record_bounds(qapp):
    model = EventLogModel(capacity=5)
    model.append_records(numbered(0, 8))
    with pytest.raises(IndexError):
        model.record(5)
    model.clear()
    assert model.rowCount() == 0
    assert model.records() == []
    model.append_records(numbered(100, 2))
    assert [r.connection_id for r in model.records()] == [100, 101]
    assert model.data(model.index(7, 0)) is None


@settings(max_examples=80, deadline=None)
@given(capacity=st.integers(1, 40),
       steps=st.lists(st.one_of(st.tuples(st.just("append"), st.integers(0, 60)),
                                st.tuples(st.just("capacity"), st.integers(1, 50)),
                                st.tuples(st.just("clear"), st.just(0))), max_size=14))
def test_ring_buffer_matches_a_plain_list(qapp, capacity, steps):
    model = EventLogModel(capacity=capacity)
    expected: list = []
    made = 0
    for op, n in steps:
        if op == "append":
            batch = numbered(made, n)
            made += n
            model.append_records(batch)
            expected = (expected + batch)[-capacity:]
        elif op == "capacity":
            capacity = n
            model.set_capacity(n)
            expected = expected[-n:]
        else:
            model.clear()
            expected = []
        assert model.rowCount() == len(expected)
        assert model.records() == expected
        assert [model.record(r) for r in range(model.rowCount())] == expected


# -- what the cells show --------------------------------------------------------------


def test_time_is_local_clock_with_milliseconds(qapp):
    model = EventLogModel()
    record = make_record()
    model.append_records([record])
    shown = cell(model, 0, Column.TIME)
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", shown)
    wall = record.wall_time
    assert shown == time.strftime("%H:%M:%S", time.localtime(wall)) + f".{int(wall % 1 * 1000):03d}"


def test_connection_column_shows_peer_or_id(qapp):
    model = EventLogModel()
    model.append_records([make_record(peer="10.0.0.1:80", connection_id=3),
                          make_record(peer="", connection_id=7),
                          make_record(peer="", connection_id=0)])
    assert [cell(model, r, Column.CONNECTION) for r in range(3)] == ["10.0.0.1:80", "#7", ""]


def test_detail_column(qapp):
    model = EventLogModel()
    model.append_records([
        make_record(event="OnClientRead", preview=b"hello"),
        make_record(event="Send", preview=b"x", byte_count=1),
        make_record(event="OnError", error=REFUSED),
        make_record(event="OnConnecting", detail="first line\nsecond line"),
        make_record(event="HandlerError", detail="Traceback (most recent call last):\n"
                                                 "  File \"u.py\", line 1\nKeyError: 'x'\n"),
        make_record(event="OnError", error=ErrorInfo(ErrorEvent.GENERAL, 0, "", 1, "ValueError: boom")),
    ])
    assert [cell(model, r, Column.DETAIL) for r in range(6)] == [
        "5 bytes",
        "1 byte",
        "eeConnect 10061 ECONNREFUSED: Connection refused",
        "first line",
        "KeyError: 'x'",  # a traceback's useful line is its last
        "eeGeneral 1: ValueError: boom",
    ]


def test_data_column_text_and_hex(qapp):
    model = EventLogModel()
    payload = "GET /é\r\n\t\x00\\".encode()
    model.append_records([make_record(preview=payload),
                          make_record(preview=b"\xff\xfeA", byte_count=1000),
                          make_record(event="OnConnect")])
    assert cell(model, 0, Column.DATA) == "GET /é\\r\\n\\t\\0\\\\"
    # undecodable bytes as escapes (they were replacement boxes); … : the payload was longer
    assert cell(model, 1, Column.DATA) == "\\xff\\xfeA …"
    assert cell(model, 2, Column.DATA) == ""
    assert cell(model, 0, Column.HEX) == payload.hex(" ").upper()  # Hex is a column of its own
    assert cell(model, 0, Column.HEX).startswith("47 45 54 20 2F C3 A9 0D 0A")
    assert cell(model, 1, Column.HEX) == "FF FE 41 …"
    assert cell(model, 2, Column.HEX) == ""


def test_error_rows_are_red_with_the_error_as_tooltip(qapp):
    model = EventLogModel()
    model.append_records([make_record(event="OnError", error=REFUSED),
                          make_record(event="HandlerError", detail="Traceback...\nValueError: bad"),
                          make_record(event="OnClientRead", preview=b"ok")])
    fg = Qt.ItemDataRole.ForegroundRole
    tip = Qt.ItemDataRole.ToolTipRole
    for row in (0, 1):
        for column in Column:
            color = cell(model, row, column, fg).color()
            assert color.red() > 150 and color.green() < 60 and color.blue() < 60
    assert cell(model, 0, Column.EVENT, tip) == "eeConnect 10061 ECONNREFUSED: Connection refused"
    assert "ValueError: bad" in cell(model, 1, Column.TIME, tip)
    assert cell(model, 2, Column.TIME, fg) is None
    assert cell(model, 2, Column.TIME, tip) is None
    assert cell(model, 2, Column.DATA, tip) == "ok\n6F 6B"  # data cells explain themselves
    assert model.data(QModelIndex(), DISPLAY) is None


def multi_data(model, index, role):
    role_data = QModelRoleData(role)
    model.multiData(index, QModelRoleDataSpan(role_data))
    return role_data.data()


def test_multidata_answers_like_data(qapp):
    """Views paint through multiData (one call per cell); it must agree with data()."""
    from ui.event_log_filter import EventLogFilter

    model = EventLogModel()
    model.append_records(varied_records(20))
    proxy = EventLogFilter()
    proxy.setSourceModel(model)
    proxy.set_component("ClientSocket1")
    roles = (DISPLAY, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole)
    for m in (model, proxy):
        for row in range(m.rowCount()):
            for column in Column:
                index = m.index(row, column)
                for role in roles:
                    assert multi_data(m, index, role) == m.data(index, role), (row, column, role)
    assert multi_data(model, QModelIndex(), DISPLAY) is None
    # Delegates reuse one span for every cell: nothing may carry over to the next cell.
    reused = QModelRoleData(Qt.ItemDataRole.ForegroundRole)
    error_row = next(r for r in range(model.rowCount()) if model.record(r).error is not None)
    model.multiData(model.index(error_row, 0), QModelRoleDataSpan(reused))
    assert reused.data() is not None
    model.multiData(model.index(0, 0), QModelRoleDataSpan(reused))
    assert reused.data() is None


def test_new_component_and_event_names_are_announced_once(qapp):
    model = EventLogModel()
    components, events = [], []
    model.component_added.connect(components.append)
    model.event_added.connect(events.append)
    model.append_records(varied_records(20))
    model.append_records(varied_records(20))
    assert components == ["ClientSocket1", "ServerSocket1"]
    assert sorted(events) == events and len(events) == len(set(events)) == 8
    assert model.component_names() == components


def test_connections_are_named_by_their_peer_even_where_a_record_lacks_it(qapp):
    """Issue 8, item 19: '#35' where the peer address would say more."""
    model = EventLogModel()
    model.append_records([
        make_record(0, component="ClientSocket1", event="OnConnecting", connection_id=35, peer=""),
        make_record(1, component="ClientSocket1", event="OnConnect", connection_id=35, peer="127.0.0.1:7007"),
        make_record(2, component="ClientSocket1", event="OnError", connection_id=36, peer="", error=REFUSED),
    ])
    model.append_records([make_record(3, component="ClientSocket1", event="OnDisconnect", connection_id=35,
                                      peer="")])
    column = [cell(model, r, Column.CONNECTION) for r in range(4)]
    assert column == ["127.0.0.1:7007", "127.0.0.1:7007", "#36", "127.0.0.1:7007"]  # before and after
    tip = Qt.ItemDataRole.ToolTipRole
    assert cell(model, 0, Column.CONNECTION, tip) == "Connection #35 with 127.0.0.1:7007"  # the id stays at hand
    # a second connection to the same address: now the id tells them apart
    model.append_records([make_record(4, component="ClientSocket1", event="OnConnect", connection_id=37,
                                      peer="127.0.0.1:7007")])
    assert cell(model, 0, Column.CONNECTION) == "127.0.0.1:7007 (#35)"
    assert cell(model, 4, Column.CONNECTION) == "127.0.0.1:7007 (#37)"
    assert cell(model, 2, Column.CONNECTION) == "#36"  # never had a peer
    assert cell(model, 2, Column.TIME, tip).startswith("eeConnect")  # errors keep their own tooltip


def test_dropped_rows_are_warnings_not_errors(qapp):
    """Issue 8, item 3: a Dropped row stands out as a warning, with what it means."""
    model = EventLogModel()
    model.append_records([make_record(0, component="", event="Dropped", connection_id=0, peer="",
                                      byte_count=2345, detail="2345 records dropped here: the reader did not keep up"),
                          make_record(1, event="OnError", error=REFUSED),
                          make_record(2, preview=b"ok")])
    count = QLocale().toString(2345)  # "2,345", "2.345" or "2345", as the user's locale writes it
    assert cell(model, 0, Column.DETAIL) == f"{count} events dropped here: the log could not keep up"  # not bytes
    warning = cell(model, 0, Column.EVENT, Qt.ItemDataRole.ForegroundRole).color()
    error = cell(model, 1, Column.EVENT, Qt.ItemDataRole.ForegroundRole).color()
    assert warning != error and warning.red() > warning.blue() + 80 and warning.green() > 40  # amber, not red
    background = cell(model, 0, Column.TIME, Qt.ItemDataRole.BackgroundRole)
    assert background is not None and background.color().lightness() > 200  # a pale band across the row
    assert cell(model, 1, Column.TIME, Qt.ItemDataRole.BackgroundRole) is None
    assert not cell(model, 0, Column.EVENT, Qt.ItemDataRole.DecorationRole).isNull()  # the warning sign
    assert cell(model, 0, Column.DETAIL, Qt.ItemDataRole.DecorationRole) is None
    assert cell(model, 2, Column.EVENT, Qt.ItemDataRole.DecorationRole) is None
    for column in Column:  # multiData, which views paint through, agrees
        for role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ForegroundRole):
            painted, asked = multi_data(model, model.index(0, column), role), cell(model, 0, column, role)
            if isinstance(asked, QIcon):  # icons do not compare; the same icon has the same key
                painted, asked = painted.cacheKey(), asked.cacheKey()
            assert painted == asked


def test_sequence_numbers_survive_eviction_and_clear(qapp):
    model = EventLogModel(capacity=10)
    model.append_records(numbered(0, 8))
    assert (model.first_seq, model.end_seq, model.evicted) == (0, 8, 0)
    model.append_records(numbered(8, 5))  # 3 evicted
    assert (model.first_seq, model.end_seq, model.evicted) == (3, 13, 3)
    assert [r[3] for r in model.raw_rows(0, 10)] == list(range(3, 13))  # across the ring's seam
    assert [r[3] for r in model.raw_rows(7, 99)] == [10, 11, 12]
    model.clear()
    assert (model.first_seq, model.end_seq, model.evicted) == (13, 13, 3)  # cleared is not discarded


def test_the_detail_column_and_the_runner_say_the_same(qapp):
    """One Detail text (app.core.record_format.detail_text): the log and the runner's lines
    and exports differ only in the words a Dropped record uses."""
    from app.core.record_format import summary

    records = [make_record(event="OnClientRead"), make_record(event="OnRead", preview=b"x"),
               make_record(event="Send", byte_count=2), make_record(event="OnError", error=REFUSED),
               make_record(event="HandlerError", detail="Traceback\n  File x\nKeyError: 'x'\n"),
               make_record(event="OnConnecting", detail="first\nsecond"), make_record(event="OnListen")]
    model = EventLogModel()
    assert [model.detail_text(r) for r in records] == [summary(r) for r in records] == [
        "0 bytes", "1 byte", "2 bytes", "eeConnect 10061 ECONNREFUSED: Connection refused", "KeyError: 'x'",
        "first", ""]
