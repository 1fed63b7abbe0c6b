"""A client that reaches a local HTTP server through Service = 'http' and Host = 'localhost'.

Service wins over Port and Host wins over Address, as in the original: the
client looks up 'localhost' and the 'http' service (port 80). The form also holds
a tiny HTTP server on 127.0.0.1, Service 'http', so it works on its own (binding
port 80 needs administrator rights; or run any local web server there and set
HttpServer.Active to False).
"""


def HttpServerClientRead(sender, socket):
    request = socket.receive_text()
    if "\r\n\r\n" not in request:
        return
    body = "Hello from Socket Workbench\n"
    socket.send_text("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n{body}")
    socket.close()


def HttpClientConnect(sender, socket):
    socket.send_text("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")


def HttpClientRead(sender, socket):
    status = socket.receive_text().splitlines()[0]
    log("HTTP answer:", status)
