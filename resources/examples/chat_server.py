"""A chat server: whatever one client sends goes to every connection.

Connect two terminals with `nc 127.0.0.1 7102` and type.
"""


def ChatServerClientConnect(sender, socket):
    broadcast(sender, f"* {socket.peer} joined ({sender.socket.active_connections} online)\r\n")


def ChatServerClientRead(sender, socket):
    for line in socket.receive_text().splitlines():
        if line.strip():
            broadcast(sender, f"{socket.peer}: {line}\r\n")


def ChatServerClientDisconnect(sender, socket):
    broadcast(sender, f"* {socket.peer} left\r\n", skip=socket)


def broadcast(server, text, skip=None):
    for conn in server.socket.connections:
        if conn is not skip:
            conn.send_text(text)
    log(text.strip())
