"""A thread-blocking server with a thread cache and a custom ServerClientThread.

ServerType = stThreadBlocking gives every connection its own thread; the first
ThreadCacheSize threads are kept for reuse (watch ActiveThreads and IdleThreads in
the Object Inspector, and "ThreadReused" in the log). OnGetThread supplies our own
thread class, whose client_execute() serves a line protocol: it answers each line
in upper case, with a SocketStream so that no read waits forever.
"""

from components import ServerClientThread, SocketStream


class UpperCaseThread(ServerClientThread):
    def client_execute(self):
        stream = SocketStream(self.client_socket, 1000)
        pending = b""
        while not self.terminated:
            if not stream.wait_for_data(500):
                continue  # nothing yet: check terminated, wait again
            data = stream.read(4096)
            if not data:
                return  # the client closed
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                stream.write(line.upper() + b"\n")


def ThreadServerGetThread(sender, client_socket):
    return UpperCaseThread(client_socket)


def ThreadServerThreadStart(sender, thread):
    log("new thread", thread.name)
