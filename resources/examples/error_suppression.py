"""ErrorCode suppression: OnError can set the error code to 0, as in the original.

ClientSocket1 connects to a port where nothing listens. Its OnError handler logs
the error and returns 0, so no SocketError is raised: the workbench shows no
error and `run` exits 0. Return None to keep the error, or another number to
replace it.
"""

from components import ErrorEvent


def ClientSocket1Error(sender, socket, error_event, error_code):
    if error_event is ErrorEvent.CONNECT and error_code == 10061:
        log("nobody listens there (10061); suppressed")
        return 0
    return error_code
