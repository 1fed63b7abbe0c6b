"""A serial-style device simulator: STX <command> ETX <check byte>, the check byte the XOR
of everything before it (STX included), as many serial protocols frame their messages.

The Device server cuts the stream with Framing = regex:\\x03. (ETX and the byte after it),
so OnClientRead fires once per command however the bytes arrive. A good command is
answered STX "ACK <command>" ETX xor8; a bad check byte gets STX "NAK" ETX xor8.
Meanwhile every connection gets the saved message "status" (STX STATUS <n> OK ETX xor8,
a template with {counter} and {xor8}) every 500 ms: the Repeat action on OnClientConnect.

Try it: `socket-workbench run serial_device.sockform --trust`, then
`printf '\\x02PING\\x03\\x11' | nc 127.0.0.1 7110 | xxd`.
"""

from crccheck.checksum import ChecksumXor8

STX, ETX = b"\x02", b"\x03"


def frame(body: bytes) -> bytes:
    """STX body ETX and the XOR check byte over all of it."""
    message = STX + body + ETX
    return message + bytes([ChecksumXor8.calc(message)])


def DeviceClientRead(sender, socket):
    data = socket.receive_buf(-1)
    start = data.rfind(STX)  # anything before STX is line noise
    message, check = data[max(start, 0):-1], data[-1:]
    if start < 0 or len(check) != 1 or bytes([ChecksumXor8.calc(message)]) != check:
        log(f"bad frame from {socket.peer}: {data.hex(' ')}")
        socket.send_buf(frame(b"NAK"))
        return
    command = message[1:-1]
    log(f"{socket.peer} sent {command.decode('ascii', 'replace')}")
    socket.send_buf(frame(b"ACK " + command))
