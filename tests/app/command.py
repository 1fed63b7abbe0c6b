"""How tests start the socket-workbench command as a real process."""

import sys

#: ``socket-workbench`` as this interpreter runs it
CLI = (sys.executable, "-m", "socket_workbench")
