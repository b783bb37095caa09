"""A TCP proxy in front of PostgreSQL that a test can cut: the database becomes unreachable for
the app behind it while the suite's own connections (and the other helpers') carry on.

Modes: `open` forwards; `refuse` closes the listening socket (connection refused); `blackhole`
accepts connections and never answers (a network partition). `cut()` drops every live
connection; `drop_after` (bytes) drops a connection right after forwarding the client's message
that contains them: the server got the statement, the client never gets its answer.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class TcpProxy:
    """Forward 127.0.0.1:<port> to `upstream`, with faults on demand."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode = "open"
        self.drop_after: bytes | None = None
        self.dropped = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = self._listen(0)

    def _listen(self, port: int) -> int:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            self._track(client)
            if self.mode == "blackhole":
                continue  # held open, never answered
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self._close(client)
                continue
            server.settimeout(None)
            self._track(server)
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
                if from_client and self.drop_after and self.drop_after in data:
                    self.drop_after = None
                    self.dropped += 1
                    break
        except OSError:
            pass
        self._close(source)
        self._close(target)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self) -> None:
        """Drop every live connection (both ends)."""
        with self._lock:
            live = list(self._sockets)
        for sock in live:
            self._close(sock)

    def refuse(self) -> None:
        """Nothing listens on the port any more; live connections are dropped."""
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        self.cut()

    def blackhole(self) -> None:
        """Connections are accepted and never answered; live ones are dropped."""
        self.mode = "blackhole"
        self.cut()

    def restore(self) -> None:
        """Forward again, on the same port."""
        self.mode = "open"
        self.cut()  # blackholed connections
        if self._listener is None:
            self._listen(self.port)

    def close(self) -> None:
        """Stop listening and drop everything."""
        self.refuse()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
