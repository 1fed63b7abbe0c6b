"""The socket engine: ClientSocket, ServerSocket and their helpers, as the VCL's
ScktComp unit had them, on asyncio (non-blocking) or real threads (blocking).

This package never imports Qt: the workbench, the headless runner and plain
Python programs all use it the same way.
"""

from components.client_socket import ClientSocket
from components.component import Component, component_class, component_classes, register
from components.connection import AsyncWinSocket, BlockingWinSocket, CustomWinSocket
from components.enums import ClientType, ErrorEvent, ServerType, SocketState
from components.errors import EngineStateError, ErrorInfo, SocketError, get_error_hook, set_error_hook
from components.listener import ServerWinSocket
from components.metadata import EventSpec, PropertySpec
from components.observer import EventRecord, ObserverStream, RecordBuffer, default_stream
from components.server_socket import ServerSocket
from components.server_thread import ServerClientThread
from components.socket_stream import SocketStream
from components.udp_socket import UdpPeer, UdpSocket, UdpWinSocket

__all__ = [
    "AsyncWinSocket",
    "BlockingWinSocket",
    "ClientSocket",
    "ClientType",
    "Component",
    "CustomWinSocket",
    "EngineStateError",
    "ErrorEvent",
    "ErrorInfo",
    "EventRecord",
    "EventSpec",
    "ObserverStream",
    "PropertySpec",
    "RecordBuffer",
    "ServerClientThread",
    "ServerSocket",
    "ServerType",
    "ServerWinSocket",
    "SocketError",
    "SocketState",
    "SocketStream",
    "UdpPeer",
    "UdpSocket",
    "UdpWinSocket",
    "component_class",
    "component_classes",
    "default_stream",
    "get_error_hook",
    "register",
    "set_error_hook",
]
