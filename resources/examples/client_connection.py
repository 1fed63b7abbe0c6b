"""A client connection: ClientSocket1 connects to a small "daytime" server on the
same form, reads what it sends and notices when the server closes.

Try it: socket-workbench run resources/examples/client_connection.sockform --trust
"""

import time


def DaytimeServerClientConnect(sender, socket):
    """Each new connection gets the time, then the server hangs up."""
    socket.send_text(time.strftime("%Y-%m-%d %H:%M:%S\r\n"))
    socket.close()


def ClientSocket1Connect(sender, socket):
    log("connected to", socket.remote_address, "port", socket.remote_port,
        "from local port", socket.local_port)


def ClientSocket1Read(sender, socket):
    log("the server says:", socket.receive_text().strip())


def ClientSocket1Disconnect(sender, socket):
    log("the server closed the connection; anything left unread:", socket.receive_length(), "bytes")
