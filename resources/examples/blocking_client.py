"""A non-blocking client beside a blocking one.

NonBlockingClient gets events (OnConnect, OnRead) on the event loop and never waits.
BlockingClient (ClientType = ctBlocking) connects inside open() and then talks
through a SocketStream, whose read and write wait at most TimeOut milliseconds:
read() returns b"" on a timeout, and again when the server has closed.
"""

from components import SocketStream


def NonBlockingClientConnect(sender, socket):
    socket.send_text("hello from the non-blocking client\n")


def NonBlockingClientRead(sender, socket):
    log("non-blocking client got:", socket.receive_text().strip())


def BlockingClientConnect(sender, socket):
    # runs on the thread that opened the blocking client, not on the event loop
    stream = SocketStream(socket, 2000)
    stream.write(b"hello from the blocking client\n")
    if stream.wait_for_data(2000):
        log("blocking client got:", stream.read(4096).decode().strip())
    else:
        log("blocking client: no answer within 2 s")
    log("a read with nothing to read waits the timeout and returns", repr(stream.read(10)))
