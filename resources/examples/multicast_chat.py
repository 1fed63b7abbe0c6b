"""A multicast chat: every member joins 239.255.70.70 at port 7070 and hears every other.

Run it twice (two terminals, or two machines on one network), with --trust headless:
    socket-workbench run resources/examples/multicast_chat.sockform --trust
Say something as a third member with socat:
    socat STDIO UDP4-DATAGRAM:239.255.70.70:7070,ip-add-membership=239.255.70.70:0.0.0.0,reuseaddr,bind=:7070
"""

import os

ME = f"pid {os.getpid()}"


def ChatListen(sender, socket):
    socket.send_text(f"* {ME} joined")  # to the group: the default destination


def ChatRead(sender, socket):
    text = socket.receive_text().strip()
    if not text or text.startswith(f"* {ME} "):
        return  # our own, looped back
    log(f"{socket.peer}: {text}")
    if text.endswith(" joined"):
        sender.socket.send_text(f"* {ME} is here")  # so a newcomer hears of us too
