"""EventLogFilter: component, event and free-text filters over the ring buffer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import REFUSED, make_record, varied_records
from ui import event_log_filter
from ui.event_log_filter import EventLogFilter
from ui.event_log_model import Column, EventLogModel


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
    proxy.set_payload_columns(True, True)
    model.append_records(varied_records(200))
    proxy.set_filters()
    model.clear()
    model.append_records(varied_records(3))
    assert proxy.rowCount() == 3


def test_no_filter_shows_everything_in_order(qapp):
    records = varied_records(50)
    _model, proxy = make_filter(records)
    assert not proxy.is_active()
    assert not proxy.is_filtering()
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
    assert matching("48 65") == []  # hex only matches while the Hex column is shown...
    proxy.set_payload_columns(True, True)
    assert [records.index(r) for r in shown(proxy)] == [0]  # ...and the filter follows the columns
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


# -- incremental filtering -----------------------------------------------------------------

def test_the_newest_matches_show_first(qtbot, monkeypatch):
    monkeypatch.setattr(event_log_filter, "SLICE_MS", 0)
    monkeypatch.setattr(event_log_filter, "PUBLISH_MS", 0)  # hand every slice's matches over
    records = varied_records(5000)
    _model, proxy = make_filter(records)
    proxy.set_event("OnClientConnect")
    expected = [r for r in records if r.event == "OnClientConnect"]
    first_slice = shown(proxy)
    assert proxy.is_filtering() and first_slice == expected[-len(first_slice):]
    assert len(first_slice) == event_log_filter.MIN_ROWS_PER_SLICE // 10  # every tenth row is a connect
    qtbot.waitUntil(lambda: not proxy.is_filtering(), timeout=10_000)
    assert shown(proxy) == expected


def visible_text_contains(model: EventLogModel, record, needle: str,
                          columns=(Column.TIME, Column.COMPONENT, Column.EVENT, Column.CONNECTION,
                                   Column.DETAIL, Column.DATA)) -> bool:
    """The definition the filter implements, written plainly: some shown cell (or the
    connection's #id) contains the needle, ignoring case."""
    needle = needle.casefold()
    cells = [model.cell_text(record, c) for c in columns] + [f"#{record.connection_id}"]
    return any(needle in cell.casefold() for cell in cells)


def test_filter_model_passes_modeltester_while_filtering_in_slices(qtmodeltester, qtbot, monkeypatch):
    monkeypatch.setattr(event_log_filter, "SLICE_MS", 0)  # slices of MIN_ROWS_PER_SLICE rows: a count, not a time
    model, proxy = make_filter(varied_records(3000), capacity=3000)
    qtmodeltester.check(proxy)
    proxy.set_text("item/1")
    assert proxy.is_filtering() and 0 <= proxy.progress() < 100
    model.append_records(varied_records(700))  # new rows and evicted old ones while it runs
    proxy.set_filters(component="ClientSocket1", text="o")  # a new filter cancels the old one
    model.append_records(varied_records(300))
    qtbot.waitUntil(lambda: not proxy.is_filtering(), timeout=20_000)
    assert proxy.progress() == 100
    assert shown(proxy) == [r for r in model.records()
                            if (r.component == "ClientSocket1" or r.event == "Dropped")
                            and visible_text_contains(model, r, "o")]
    model.set_capacity(2000)
    model.clear()
    model.append_records(varied_records(30))
    assert shown(proxy) == [r for r in model.records() if proxy.accepts(r)]


def test_changing_the_filter_keeps_the_loop_and_sockets_going(qtbot, qloop):
    """Issue 8, item 15: re-filtering 300,000 rows used to hold the GUI thread (and with it
    the qasync loop) for seconds. Now a real socket ping-pong and the live tail keep going
    while it runs, and the result is exactly the rows that match."""
    import asyncio

    from ui.event_log_view import EventLogPane

    rows = 300_000
    model = EventLogModel(capacity=rows)
    model.append_records(varied_records(rows))
    pane = EventLogPane(model)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    qtbot.waitExposed(pane)

    pings = [0]

    running = [True]

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def ping_pong(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while running[0]:
            writer.write(b"ping\n")
            await writer.drain()
            assert await reader.readline() == b"ping\n"
            pings[0] += 1
        writer.close()  # the server sees EOF and closes its side
        await writer.wait_closed()

    server_task = qloop.create_task(asyncio.start_server(echo, "127.0.0.1", 0))
    qtbot.waitUntil(server_task.done, timeout=5000)
    server = server_task.result()
    client = qloop.create_task(ping_pong(server.sockets[0].getsockname()[1]))
    qtbot.waitUntil(lambda: pings[0] >= 3, timeout=5000)

    # the live tail: new rows every 20 ms, each batch evicting as many old ones
    tail_batches = [0]

    def add_tail() -> None:
        model.append_records(varied_records(500))
        tail_batches[0] += 1

    from PySide6.QtCore import QTimer

    tail = QTimer()
    tail.setInterval(20)
    tail.timeout.connect(add_tail)
    progress: list[int] = []
    pane.proxy.progress_changed.connect(progress.append)

    tail.start()
    pings_before, batches_before = pings[0], tail_batches[0]
    pane.text_filter.setText("item/1")
    pane.apply_text_filter()  # as Enter does
    assert pane.proxy.is_filtering()
    assert "filtering…" in pane.status_text()
    qtbot.waitUntil(lambda: not pane.proxy.is_filtering(), timeout=120_000)
    pings_during, batches_during = pings[0] - pings_before, tail_batches[0] - batches_before
    tail.stop()

    assert pings_during >= 3, "the socket ping-pong stopped while the filter ran"
    assert batches_during >= 1, "the live tail stopped while the filter ran"
    assert [p for p in progress if p < 100], "no progress was reported"
    assert progress[-1] == 100 and "filtering" not in pane.status_text()
    assert model.evicted >= 500  # old rows went while the filter ran
    expected = [r for r in model.records() if visible_text_contains(model, r, "item/1")]
    assert [pane.shown_record(r) for r in range(pane.shown_count())] == expected

    running[0] = False
    qtbot.waitUntil(client.done, timeout=5000)
    client.result()
    server.close()
    closing = qloop.create_task(server.wait_closed())
    qtbot.waitUntil(closing.done, timeout=5000)
    assert not pane.proxy.findChildren(QTimer)[0].isActive()  # nothing left running


def test_dropped_rows_pass_the_component_and_event_filters(qapp):
    """A gap concerns every component and event: a Dropped row stays in a narrowed view."""
    dropped = make_record(5, component="", event="Dropped", connection_id=0, peer="", byte_count=12,
                          detail="12 records dropped here: the reader did not keep up")
    records = varied_records(10)
    records.insert(5, dropped)
    _model, proxy = make_filter(records)
    proxy.set_filters(component="ClientSocket1", event="OnError")
    errors = [r for r in records if r.component == "ClientSocket1" and r.event == "OnError"]
    assert errors and shown(proxy) == [dropped, *errors]  # varied_records has its errors after row 5
    proxy.set_event("Dropped")
    assert shown(proxy) == [dropped]
    proxy.set_filters(text="item/")  # a text filter matches its text as any other row's
    assert dropped not in shown(proxy)
    proxy.set_filters(text="dropped here")
    assert shown(proxy) == [dropped]
