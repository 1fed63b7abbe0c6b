"""A chapter's check over the records of a real headless run of its form (``socket-workbench
run --json``, real sockets on 127.0.0.1): done when the learner's settings make the
expected sequence happen, not done when they do not."""

from __future__ import annotations

import json
import subprocess

from app.core.tour import Chapter, check, done_message, load_chapters
from components.observer import EventRecord
from tests.app.command import CLI

from .test_runner import ROOT, free_port


def chapter(chapter_id: str) -> Chapter:
    return next(c for c in load_chapters() if c.id == chapter_id)


def run_records(chapter: Chapter, *settings: str, exit_code: int = 0) -> list[EventRecord]:
    done = subprocess.run([*CLI, "run", str(chapter.form), "--json", "--duration", "1", *settings], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == exit_code, done.stderr
    out = []
    for line in done.stdout.splitlines():
        r = json.loads(line)
        if r["error"] is None:  # error records left out: these chapters' checks need none
            out.append(EventRecord(r["monotonic"], r["component"], r["event"], r["connection"], r["peer"],
                                   r["thread"], r["bytes"]))
    return out


def both_active(server: str, client: str) -> tuple[str, str]:
    return f"--set={server}.Active=True", f"--set={client}.Active=True"


def test_service_wins_over_port_in_a_real_run():
    c = chapter("port_vs_service")
    port = free_port()
    records = run_records(c, f"--set=Server.Port={port}", f"--set=Client.Service={port}",
                          *both_active("Server", "Client"))
    result = check(c, records)
    assert result.done, result
    assert done_message(c, result, "done") == "OnLookup → OnConnecting → OnConnect: done"


def test_without_the_service_the_check_does_not_succeed():
    c = chapter("port_vs_service")
    records = run_records(c, f"--set=Server.Port={free_port()}", f"--set=Client.Port={free_port()}",
                          *both_active("Server", "Client"), exit_code=1)
    result = check(c, records)  # `run` said why: 1 unhandled socket error (refused)
    assert not result.done
    # looked up and tried, never connected: the whole sequence is still to come
    assert result.missing == ("OnLookup", "OnConnecting", "OnConnect")
    assert result.events[:2] == ("OnLookup", "OnConnecting")


def test_the_server_chapter_follows_the_accepted_connection():
    c = chapter("server_events")
    port = free_port()
    records = run_records(c, f"--set=ServerSocket1.Port={port}", f"--set=ClientSocket1.Port={port}",
                          *both_active("ServerSocket1", "ClientSocket1"))
    result = check(c, records)
    assert result.done, result
    assert result.events[:3] == ("OnGetSocket", "OnAccept", "OnClientConnect")
    only_listening = [r for r in records if r.component == c.watched and r.connection_id == 0]
    assert only_listening and not check(c, only_listening).done  # OnListen alone is not the chapter
