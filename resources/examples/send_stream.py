"""SendStream and SendStreamThenDrop serving a file.

FileServer sends sample.txt to every client that connects and drops the
connection once the last byte has gone out (send_stream_then_drop). The
connection owns the file from then on and closes it. Downloader counts what
arrives and reports the total when the server hangs up.
"""

from pathlib import Path

SAMPLE = Path(__file__).with_name("sample.txt")
received = {}


def FileServerClientConnect(sender, socket):
    socket.send_stream_then_drop(open(SAMPLE, "rb"))


def DownloaderRead(sender, socket):
    received[socket.id] = received.get(socket.id, 0) + len(socket.receive_buf(-1))


def DownloaderDisconnect(sender, socket):
    total = received.pop(socket.id, 0) + len(socket.receive_buf(-1))
    log(f"downloaded {total} bytes of {SAMPLE.stat().st_size}")
