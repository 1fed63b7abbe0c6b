"""Properties and events are declared once, with metadata everything else reads."""

from __future__ import annotations

import pytest

from components import (
    ClientSocket,
    ClientType,
    ErrorEvent,
    ServerSocket,
    ServerType,
    SocketError,
    component_class,
    component_classes,
)
from components.metadata import ERROR, GET_THREAD, KIND_HOST, KIND_SERVICE, NOTIFY, THREAD_NOTIFY


def test_enums_display_their_vcl_names():
    assert str(ClientType.NON_BLOCKING) == "ctNonBlocking"
    assert ClientType.BLOCKING.vcl_name == "ctBlocking"
    assert str(ServerType.THREAD_BLOCKING) == "stThreadBlocking"
    assert str(ErrorEvent.CONNECT) == "eeConnect"
    assert ServerType.from_vcl("stthreadblocking") is ServerType.THREAD_BLOCKING
    assert ClientType.from_vcl("BLOCKING") is ClientType.BLOCKING
    with pytest.raises(ValueError, match="ctNonBlocking, ctBlocking"):
        ClientType.from_vcl("ctSometimes")


def test_published_properties_in_vcl_and_python_names():
    client = {p.vcl_name: p.py_name for p in ClientSocket.published_properties()}
    assert client == {"Name": "name", "Tag": "tag", "Active": "active", "Address": "address",
                      "Port": "port", "Service": "service", "Encoding": "encoding", "Framing": "framing",
                      "FrameLimit": "frame_limit", "TLS": "tls", "CertFile": "cert_file",
                      "KeyFile": "key_file", "CAFile": "ca_file", "Host": "host", "ClientType": "client_type",
                      "VerifyPeer": "verify_peer", "ServerName": "server_name"}
    server = {p.vcl_name: p.py_name for p in ServerSocket.published_properties()}
    assert server == {"Name": "name", "Tag": "tag", "Active": "active", "Address": "address",
                      "Port": "port", "Service": "service", "Encoding": "encoding", "Framing": "framing",
                      "FrameLimit": "frame_limit", "TLS": "tls", "CertFile": "cert_file",
                      "KeyFile": "key_file", "CAFile": "ca_file", "ServerType": "server_type",
                      "ThreadCacheSize": "thread_cache_size", "VerifyPeer": "verify_peer"}


def test_runtime_properties_are_read_only():
    runtime = [p.vcl_name for p in ServerSocket.properties() if p.runtime]
    assert runtime == ["LocalPort", "ActiveConnections", "ActiveThreads", "IdleThreads"]
    assert [p.vcl_name for p in ClientSocket.properties() if p.runtime] == [
        "LocalAddress", "LocalPort", "RemoteAddress", "RemotePort"]
    server = ServerSocket()
    assert server.active_connections == 0
    with pytest.raises(SocketError, match="read-only"):
        server.active_connections = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="read-only"):
        server.set_property("IdleThreads", 1)


def test_events_and_their_signatures():
    assert [e.vcl_name for e in ClientSocket.events()] == [
        "OnLookup", "OnConnecting", "OnHandshake", "OnConnect", "OnDisconnect", "OnRead", "OnWrite", "OnError"]
    assert ClientSocket.event_spec("OnError").params == ERROR
    assert ClientSocket.event_spec("on_read").params == NOTIFY
    assert ServerSocket.event_spec("OnGetThread").params == GET_THREAD
    assert ServerSocket.event_spec("OnThreadEnd").params == THREAD_NOTIFY
    assert ServerSocket.event_spec("OnClientRead").stub_suffix == "ClientRead"
    client = ClientSocket()
    with pytest.raises(SocketError, match="callable"):
        client.on_read = 42  # type: ignore[assignment]


def test_defaults_and_kinds():
    assert ServerSocket.property_spec("ThreadCacheSize").default == 10
    assert ClientSocket.property_spec("Port").maximum == 65535
    assert ClientSocket.property_spec("Host").kind == KIND_HOST
    assert ServerSocket.property_spec("Service").kind == KIND_SERVICE
    assert ClientSocket.property_spec("ClientType").choices == ("ctNonBlocking", "ctBlocking")
    assert ServerSocket().changed_properties() == {}


def test_construction_by_python_names():
    server = ServerSocket(name="ServerSocket1", port=8080, address="127.0.0.1",
                          server_type=ServerType.THREAD_BLOCKING, thread_cache_size=3)
    assert server.changed_properties() == {
        "Name": "ServerSocket1", "Address": "127.0.0.1", "Port": 8080,
        "ServerType": ServerType.THREAD_BLOCKING, "ThreadCacheSize": 3}
    with pytest.raises(TypeError, match="no property 'colour'"):
        ServerSocket(colour="red")


@pytest.mark.parametrize("name, value, message", [
    ("Port", 70000, "between 0 and 65535"),
    ("Port", -1, "between 0 and 65535"),
    ("Port", "eighty", "whole number"),
    ("Port", True, "whole number"),
    ("Host", "not a host!", "not an IPv4 address"),
    ("Host", "300.1.1.1", "not an IPv4 address"),
    ("Address", "::1::2", "not an IPv4 address"),
    ("Name", "1stSocket", "not a valid component name"),
    ("Name", "", "not a valid component name"),
    ("Service", "h t t p", "not a service name"),
    ("Service", "70000", "out of range"),
    ("Encoding", "klingon-8", "not a known text encoding"),
    ("ClientType", "ctMaybe", "ctNonBlocking, ctBlocking"),
    ("Active", "perhaps", "True or False"),
])
def test_invalid_values_are_refused_with_a_clear_message(name, value, message):
    client = ClientSocket(name="ClientSocket1")
    before = client.get_property(name)
    with pytest.raises(SocketError, match=message):
        client.set_property(name, value)
    assert client.get_property(name) == before


def test_values_are_normalised():
    client = ClientSocket()
    client.set_property("Host", "[::1]")
    assert client.host == "::1"
    client.set_property("Port", "0x1F90")
    assert client.port == 8080
    client.set_property("ClientType", "ctBlocking")
    assert client.client_type is ClientType.BLOCKING
    client.set_property("host", "Example.COM")
    assert client.host == "Example.COM"
    spec = ClientSocket.property_spec("Active")
    assert spec.from_text("true") is True and spec.to_text(False) == "False"


def test_registry_finds_classes_by_python_and_vcl_names():
    assert component_classes()["ClientSocket"] is ClientSocket
    assert component_class("TServerSocket") is ServerSocket
    assert component_class("serversocket") is ServerSocket
    with pytest.raises(KeyError, match="known types: ClientSocket, ServerSocket"):
        component_class("TMemo")
    assert ServerSocket.palette_tab == "Internet"
