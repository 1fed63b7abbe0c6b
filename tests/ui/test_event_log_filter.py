"""EventLogFilter: component, event and free-text filters over the ring buffer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import REFUSED, make_record, varied_records
from ui.event_log_filter import EventLogFilter
from ui.event_log_model import Column, DataMode, EventLogModel


def shown(proxy: EventLogFilter) -> list:
    log = proxy.source_log()
    return [log.record(proxy.mapToSource(proxy.index(r, 0)).row()) for r in range(proxy.rowCount())]


def make_filter(records, capacity: int = 1_000_000) -> tuple[EventLogModel, EventLogFilter]:
    model = EventLogModel(capacity=capacity)
    model.append_records(records)
    proxy = EventLogFilter()
    proxy.setSourceModel(model)
    return model, proxy


def test_proxy_passes_modeltester_through_filters_and_eviction(qtmodeltester, qapp):
    model, proxy = make_filter(varied_records(40), capacity=60)
    qtmodeltester.check(proxy)
    proxy.set_component("ClientSocket1")
    model.append_records(varied_records(50))  # evicts 30 source rows
    proxy.set_event("OnError")
    proxy.set_text("refused")
    model.data_mode = DataMode.HEX
    model.append_records(varied_records(200))
    proxy.set_filters()
    model.clear()
    model.append_records(varied_records(3))
    assert proxy.rowCount() == 3


def test_no_filter_shows_everything_in_order(qapp):
    records = varied_records(50)
    _model, proxy = make_filter(records)
    assert not proxy.is_active()
    assert not proxy.dynamicSortFilter()
    assert shown(proxy) == records


def test_component_and_event_filters_are_exact(qapp):
    records = varied_records(100)
    records.append(make_record(component="ServerSocket10", event="OnClientReadX"))
    _model, proxy = make_filter(records)
    proxy.set_component("ServerSocket1")
    assert shown(proxy) == [r for r in records if r.component == "ServerSocket1"]
    proxy.set_event("OnClientRead")
    assert shown(proxy) == [r for r in records
                            if r.component == "ServerSocket1" and r.event == "OnClientRead"]
    proxy.set_component("")
    assert shown(proxy) == [r for r in records if r.event == "OnClientRead"]
    proxy.set_event("")
    assert shown(proxy) == records


def test_new_rows_are_filtered_as_they_arrive(qapp):
    model, proxy = make_filter([])
    proxy.set_component("ClientSocket1")
    batch = varied_records(30)
    model.append_records(batch)
    assert shown(proxy) == [r for r in batch if r.component == "ClientSocket1"]


def test_text_filter_is_case_insensitive_over_visible_columns(qapp):
    records = [
        make_record(0, component="Echo", event="OnClientRead", peer="10.1.2.3:4000", preview=b"Hello World"),
        make_record(1, component="Echo", event="OnError", peer="", connection_id=9, error=REFUSED),
        make_record(2, component="Other", event="OnConnecting", peer="",
                    detail="Resolving EXAMPLE.org\nmore"),
        make_record(3, component="Other", event="Send", peer="192.168.0.1:22", preview=b"\x01\x02\r\n"),
    ]
    model, proxy = make_filter(records)

    def matching(text: str) -> list[int]:
        proxy.set_text(text)
        return [records.index(r) for r in shown(proxy)]

    assert matching("hello world") == [0]  # Data, ignoring case
    assert matching("ECHO") == [0, 1]  # Component
    assert matching("onerror") == [1]  # Event
    assert matching("10.1.2") == [0]  # Connection (peer)
    assert matching("#9") == [1]  # Connection (id)
    assert matching("econnrefused") == [1]  # Detail of an error
    assert matching("example.ORG") == [2]  # Detail (first line)
    assert matching("more") == []  # not shown, not matched
    assert matching("11 bytes") == [0]  # Detail of a data event
    assert matching("\\r\\n") == [3]  # escapes as the Data column shows them
    assert matching("48 65") == []  # hex only matches in hex mode...
    model.data_mode = DataMode.HEX
    assert [records.index(r) for r in shown(proxy)] == [0]  # ...and the filter follows the mode
    assert matching("0d 0A") == [3]
    clock = model.data(model.index(2, Column.TIME), Qt.ItemDataRole.DisplayRole)
    assert 2 in matching(clock)  # Time
    assert matching("") == [0, 1, 2, 3]


def test_non_ascii_text_filter(qapp):
    records = [make_record(0, preview="Grüße aus Köln".encode()), make_record(1, preview=b"plain")]
    _model, proxy = make_filter(records)
    proxy.set_text("KÖLN")
    assert shown(proxy) == [records[0]]


def test_filters_combine_and_accepts_agrees_with_rows(qapp):
    records = varied_records(300)
    _model, proxy = make_filter(records)
    proxy.set_filters(component="ServerSocket1", text="item/2")
    expected = [r for r in records if r.component == "ServerSocket1" and b"item/2" in r.preview]
    assert expected and shown(proxy) == expected
    assert [r for r in records if proxy.accepts(r)] == expected
    changes = []
    proxy.filter_changed.connect(lambda: changes.append(1))
    proxy.set_filters(component="ServerSocket1", text="item/2")  # unchanged: no re-filter
    proxy.set_component("ServerSocket1")
    assert changes == []


def test_source_eviction_removes_rows_from_the_proxy(qapp):
    model, proxy = make_filter([], capacity=100)
    proxy.set_event("OnClientConnect")
    batch = varied_records(100)
    model.append_records(batch)
    assert proxy.rowCount() == 10
    model.append_records(varied_records(50))  # pushes out the oldest 50, 5 of them connects
    assert proxy.rowCount() == 10
    assert shown(proxy)[0] == batch[50]


def test_detached_while_inactive(qapp):
    """A pane's filter lets go of its source while no filter is set: no per-row cost."""
    model = EventLogModel()
    model.append_records(varied_records(30))
    proxy = EventLogFilter(detach_when_inactive=True)
    proxy.setSourceModel(model)
    assert not proxy.is_attached() and proxy.source_log() is model and proxy.rowCount() == 0
    proxy.set_text("ClientSocket1")
    assert proxy.is_attached() and proxy.rowCount() == 9
    model.append_records(varied_records(10))
    assert proxy.rowCount() == 12
    proxy.set_text("")
    assert not proxy.is_attached() and proxy.rowCount() == 0
    assert [r for r in model.records() if proxy.accepts(r)] == model.records()
