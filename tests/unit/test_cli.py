"""``descentlab serve --workers N``: the listening socket it creates has Nagle's algorithm
off (uvicorn issue 3149), and the workers get that socket and the app's factory."""

import socket
from typing import Any, ClassVar

import pytest

from descentlab import cli


def _nodelay(sock: socket.socket) -> bool:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_listening_socket_has_tcp_nodelay_and_the_tcp_protocol() -> None:
    with cli.listening_socket("127.0.0.1", 0) as sock:
        assert _nodelay(sock)
        # asyncio sets TCP_NODELAY on accepted sockets only when proto is IPPROTO_TCP
        # (uvicorn's own multi-worker socket leaves it 0).
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
        assert sock.getsockname()[0] == "127.0.0.1"


def test_accepted_connections_inherit_tcp_nodelay() -> None:
    with cli.listening_socket("127.0.0.1", 0) as listener:
        listener.listen(1)
        with socket.create_connection(listener.getsockname(), timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP
                assert _nodelay(accepted)


def test_a_plain_socket_is_not_nodelay() -> None:
    """The control: the option above is not simply the kernel's default."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert not _nodelay(sock)


class _Supervisor:
    """Stands in for uvicorn's Multiprocess: records what it was given."""

    seen: ClassVar[dict[str, Any]] = {}

    def __init__(self, config: Any, sockets: list[socket.socket]) -> None:
        _Supervisor.seen = {"config": config, "sockets": sockets}

    def run(self) -> None:
        pass


def test_serve_with_workers_hands_a_nodelay_socket_to_the_supervisor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("uvicorn.supervisors.Multiprocess", _Supervisor)
    assert cli.main(["serve", "--port", "0", "--workers", "3"]) == 0
    config, sockets = _Supervisor.seen["config"], _Supervisor.seen["sockets"]
    try:
        assert config.workers == 3
        assert config.factory is True
        assert config.app == cli.APP_FACTORY
        assert len(sockets) == 1
        assert _nodelay(sockets[0])
    finally:
        for sock in sockets:
            sock.close()


def test_the_factory_import_string_names_create_app() -> None:
    from uvicorn.importer import import_from_string

    from descentlab.api.app import create_app

    assert import_from_string(cli.APP_FACTORY) is create_app


def test_workers_below_one_are_refused() -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])
