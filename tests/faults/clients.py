"""Clients that play the site's users against real web processes.

`Annotator` does what the vote page does over HTTP (get a pair, vote, retry a
request that got no answer or a 503), and keeps a record of every answer.
`LiveSocket` follows a live page's websocket the way static/js/lib/live.js does:
reconnect on close with a back-off from 0.5 s doubling to 15 s.
"""

from __future__ import annotations

import base64
import json
import os
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx

WINNERS = ("a", "b", "tie", "both_bad")


@dataclass
class Answer:
    """One HTTP attempt: a status and body, or the transport error that replaced them."""

    path: str
    started: float
    status: int | None = None
    text: str = ""
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 503


@dataclass
class Annotator:
    """One annotator's session on one web process, voting until told to stop."""

    base_url: str
    pause: float = 0.1
    http: httpx.Client = field(init=False)
    answers: list[Answer] = field(default_factory=list)
    acknowledged: dict[str, tuple[str, float]] = field(default_factory=dict)  # battle -> (winner, time sent)
    unanswered: set[str] = field(default_factory=set)  # battles whose vote never got an answer
    last_token: tuple[str, str] = ("", "")  # the last acknowledged vote's token and winner

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=10)

    def open(self) -> None:
        """Load the vote page: the session and CSRF cookies."""
        self.http.get("/arena/").raise_for_status()

    def post(self, path: str, body: dict[str, Any]) -> Answer:
        answer = Answer(path, time.monotonic())
        try:
            headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), "Referer": self.base_url + "/arena/"}
            response = self.http.post(path, json=body, headers=headers)
            answer.status, answer.text = response.status_code, response.text
        except httpx.TransportError as exc:
            answer.error = f"{type(exc).__name__}: {exc}"
        self.answers.append(answer)
        return answer

    def post_until_answered(
        self, path: str, body: dict[str, Any], deadline: float, give_up: threading.Event | None = None
    ) -> Answer | None:
        """Retry a request that got no answer or a 503, with a short back-off; None at the deadline or `give_up`."""
        delay = 0.1
        while time.monotonic() < deadline and not (give_up and give_up.is_set()):
            answer = self.post(path, body)
            if not answer.retryable:
                return answer
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        return None

    def vote_until(self, stop: threading.Event, deadline: float, rng: random.Random) -> None:
        """Get a pair, vote, again, until `stop`; a vote already sent is retried to an answer."""
        while not stop.is_set() and time.monotonic() < deadline:
            served = self.post_until_answered("/arena/api/battles/", {}, deadline, give_up=stop)
            if served is None or served.status != 200:
                return
            pair = served.json()
            battle, winner = battle_of(pair), rng.choice(WINNERS)
            body = {"token": pair["token"], "winner": winner}
            self.unanswered.add(battle)
            answer = self.post_until_answered("/arena/api/vote/", body, deadline)
            if answer is None or answer.status != 200:
                return
            self.unanswered.discard(battle)
            self.acknowledged[battle] = (winner, answer.started)
            self.last_token = (pair["token"], winner)
            time.sleep(self.pause)

    def acknowledged_after(self, moment: float) -> int:
        """Votes acknowledged that were sent after `moment` (safe to call while the client votes)."""
        return sum(sent > moment for _, sent in tuple(self.acknowledged.values()))


def battle_of(pair: dict[str, Any]) -> str:
    """The battle id in a pair's file URLs (/arena/b/<battle>/a.glb)."""
    return pair["a"]["glb"].split("/")[3]


def server_errors(annotators: list[Annotator]) -> list[Answer]:
    """Answers no client can act on: any 5xx but a 503 with a JSON error, or a body with a traceback."""
    bad = []
    for answer in (a for annotator in annotators for a in annotator.answers):
        if answer.status is None:
            continue
        if "Traceback" in answer.text or (answer.status >= 500 and answer.status != 503):
            bad.append(answer)
        elif answer.status == 503 and not _is_json_error(answer.text):
            bad.append(answer)
    return bad


def _is_json_error(text: str) -> bool:
    try:
        return "error" in json.loads(text)
    except ValueError:
        return False


def run_annotators(annotators: list[Annotator], stop: threading.Event, seconds: float) -> list[threading.Thread]:
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=a.vote_until, args=(stop, deadline, random.Random(k)), daemon=True)
        for k, a in enumerate(annotators)
    ]
    for thread in threads:
        thread.start()
    return threads


def wait_until(condition: Any, seconds: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


# -- websockets --------------------------------------------------------------


class Closed(Exception):
    pass


class WebSocket:
    """A minimal RFC 6455 client: JSON text messages in, close out; enough to follow a live page."""

    def __init__(self, sock: socket.socket, pending: bytes) -> None:
        self.sock = sock
        self.buffer = pending

    @classmethod
    def connect(cls, url: str, timeout: float = 5) -> WebSocket:
        parsed = urlparse(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
        sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parsed.path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}:{port}\r\n\r\n"
        )
        sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                sock.close()
                raise Closed("closed during the handshake")
            response += chunk
        head, _, rest = response.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            sock.close()
            raise Closed(f"handshake refused: {head.splitlines()[0].decode(errors='replace')}")
        return cls(sock, rest)

    def _frame(self) -> tuple[int, bytes] | None:
        """The first whole frame in the buffer (opcode, payload), taken out of it; None if incomplete."""
        if len(self.buffer) < 2:
            return None
        opcode, length, start = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
        if length == 126:
            (length,), start = struct.unpack("!H", self.buffer[2:4]), 4
        elif length == 127:
            (length,), start = struct.unpack("!Q", self.buffer[2:10]), 10
        if len(self.buffer) < start + length:
            return None
        payload, self.buffer = self.buffer[start : start + length], self.buffer[start + length :]
        return opcode, payload

    def receive(self, timeout: float) -> Any:
        """The next JSON message; TimeoutError when none comes in time, Closed when the server closes."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._frame()
            if frame is None:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    chunk = self.sock.recv(65536)
                except TimeoutError:  # an OSError too, but the socket is still open
                    raise
                except OSError as exc:
                    raise Closed(str(exc)) from exc
                if not chunk:
                    raise Closed("connection closed")
                self.buffer += chunk
                continue
            opcode, payload = frame
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x8:
                raise Closed(f"closed by the server {payload[:2].hex()}")
            if opcode == 0x9:
                self._send(0xA, payload)

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        try:
            self._send(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


@dataclass
class Received:
    at: float
    connection: int  # 1 for the first connection, 2 after the first reconnect...
    first_on_connection: bool
    message: Any


class LiveSocket:
    """Follows a live page's websocket in a thread, reconnecting like static/js/lib/live.js."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[Received] = []
        self.opened: list[float] = []
        self.closed: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)

    def start(self) -> LiveSocket:
        self.thread.start()
        return self

    def _follow(self) -> None:
        delay = 0.5
        while not self.stop.is_set():
            try:
                socket_ = WebSocket.connect(self.url)
            except (OSError, Closed):
                self.closed.append(time.monotonic())
                self.stop.wait(delay)
                delay = min(delay * 2, 15.0)
                continue
            self.opened.append(time.monotonic())
            delay, first = 0.5, True
            try:
                while not self.stop.is_set():
                    try:
                        message = socket_.receive(timeout=0.5)
                    except TimeoutError:
                        continue
                    self.received.append(Received(time.monotonic(), len(self.opened), first, message))
                    first = False
            except Closed:
                self.closed.append(time.monotonic())
                self.stop.wait(delay)
                delay = min(delay * 2, 15.0)
            finally:
                socket_.close()

    def broadcasts_after(self, moment: float, *, greeted: bool) -> list[Received]:
        """Messages pushed after `moment`; `greeted`: leave out the message a consumer sends on connect."""
        return [r for r in self.received if r.at > moment and not (greeted and r.first_on_connection)]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
