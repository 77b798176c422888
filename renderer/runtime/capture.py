"""Capture what a script prints, bounded, whatever it prints (no ``bpy``).

Blender and C extensions write straight to file descriptors 1 and 2, so the
job points both at pipes while the script runs. A small reader process,
forked by the job, keeps the first and the last bytes of each stream (the
job's ``stdout_limit`` in all, half each) and counts what it drops, so a
script may print gigabytes: it is never failed for printing (a capture file
would hit ``RLIMIT_FSIZE``), and the log says how much was left out.

The reader is a process, not a thread of the job: Blender may write from C
code that holds Python's GIL, and a reader thread that needs the GIL to
empty a full pipe would then wait for a writer that waits for it.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import sys
import time
from typing import Any

F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20
# Reads allowed once the job asks for the result, in case a process the script left keeps writing.
DRAIN_READS = 64
LENGTH = struct.Struct("<Q")
REPLY_TIMEOUT_S = 5.0


def dropped_note(count: int) -> str:
    """The line that stands in for output that was not kept."""
    return f"\n[... {count} bytes of output dropped ...]\n"


class Bounded:
    """The head and the tail of a byte stream, ``limit`` bytes in all, and its total length."""

    def __init__(self, limit: int) -> None:
        self.head_limit = limit - limit // 2
        self.tail_limit = limit // 2
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the stream."""
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk or not self.tail_limit:
            return
        self.tail += chunk[-self.tail_limit :]
        del self.tail[: max(0, len(self.tail) - self.tail_limit)]

    def value(self) -> bytes:
        """Head, a note on what was dropped (if anything), tail."""
        dropped = self.total - len(self.head) - len(self.tail)
        middle = dropped_note(dropped).encode("ascii") if dropped else b""
        return bytes(self.head) + middle + bytes(self.tail)


def _read_into(fd: int, sink: Bounded) -> bool:
    """Read once from ``fd`` into ``sink``; False at end of file."""
    try:
        chunk = os.read(fd, PIPE_BYTES)
    except BlockingIOError:
        return True
    except OSError:
        return False
    if chunk:
        sink.feed(chunk)
    return bool(chunk)


def _reader(streams: dict[int, Bounded], control: int, reply: int) -> None:
    """Body of the reader process: keep the streams until the control pipe closes, then send them back.

    Only the end of the control pipe stops it: a script may write into any
    pipe it holds, and what it writes there is dropped.
    """
    open_fds = set(streams)
    while open_fds:
        ready, _, _ = select.select([*open_fds, control], [], [])
        if control in ready and not os.read(control, 65536):
            break
        for fd in ready:
            if fd != control and not _read_into(fd, streams[fd]):
                open_fds.discard(fd)
    for fd in open_fds:
        # What was written before the job asked is in the pipe; a writer left behind is not waited for.
        os.set_blocking(fd, False)
        for _ in range(DRAIN_READS):
            before = streams[fd].total
            if not _read_into(fd, streams[fd]) or streams[fd].total == before:
                break
    for fd in sorted(streams):
        data = streams[fd].value()
        os.write(reply, LENGTH.pack(len(data)))
        view = memoryview(data)
        while view:
            view = view[os.write(reply, view) :]


class OutputCapture:
    """Point descriptors 1 and 2 at a bounded reader process; :meth:`finish` returns the text.

    Parameters
    ----------
    limit : int
        Bytes kept of each stream (head and tail), besides the note.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self.pid = 0
        self.saved: dict[int, int] = {}
        self.py_streams: tuple[Any, Any] = (sys.stdout, sys.stderr)

    def start(self) -> None:
        """Fork the reader and redirect 1 and 2 to it."""
        pipes = {fd: os.pipe() for fd in (1, 2)}
        control_read, control_write = os.pipe()
        reply_read, reply_write = os.pipe()
        for _, write_end in pipes.values():
            try:
                fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_BYTES)
            except OSError:
                pass
        sys.stdout.flush()
        sys.stderr.flush()
        # Forked twice, so that the reader is not a child of the job: a script that waits for all
        # its children (os.wait() until ChildProcessError) must not wait for the reader.
        middle = os.fork()
        if middle == 0:
            code = 1
            try:
                if os.fork() == 0:
                    for fd in (control_write, reply_read, *(write_end for _, write_end in pipes.values())):
                        os.close(fd)
                    os.write(reply_write, LENGTH.pack(os.getpid()))
                    _reader(
                        {read_end: Bounded(self.limit) for read_end, _ in pipes.values()}, control_read, reply_write
                    )
                code = 0
            finally:
                os._exit(code)
        os.waitpid(middle, 0)
        self.control, self.reply = control_write, reply_read
        (self.pid,) = LENGTH.unpack(_read_exactly(reply_read, LENGTH.size))
        for fd in (control_read, reply_write, *(read_end for read_end, _ in pipes.values())):
            os.close(fd)
        self.py_streams = (sys.stdout, sys.stderr)
        for fd, (_, write_end) in pipes.items():
            self.saved[fd] = os.dup(fd)
            os.dup2(write_end, fd)
            os.close(write_end)

    def finish(self) -> dict[str, str]:
        """Restore 1 and 2 and return the kept ``stdout`` and ``stderr``."""
        # The script may have replaced or closed the Python-level streams.
        sys.stdout, sys.stderr = self.py_streams
        for stream in self.py_streams:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        for fd, saved in self.saved.items():
            os.dup2(saved, fd)
            os.close(saved)
        self.saved = {}
        texts = {"stdout": "", "stderr": ""}
        if not self.pid:
            return texts
        try:
            os.close(self.control)
            data = _read_all(self.reply, REPLY_TIMEOUT_S)
            for key in ("stdout", "stderr"):
                (length,) = LENGTH.unpack_from(data)
                texts[key] = data[LENGTH.size : LENGTH.size + length].decode("utf-8", errors="replace")
                data = data[LENGTH.size + length :]
        except (OSError, struct.error):
            # The script killed the reader: what it printed is lost, the job goes on.
            pass
        finally:
            os.close(self.reply)
            try:
                # A reader that did not answer in time (a process the script forked holds the
                # control pipe open) is not waited for longer; the namespace's init reaps it.
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.pid = 0
        return texts


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from ``fd`` (fewer only at end of file)."""
    data = b""
    while len(data) < size and (chunk := os.read(fd, size - len(data))):
        data += chunk
    return data


def _read_all(fd: int, timeout_s: float) -> bytes:
    """Everything from ``fd`` until end of file, or what came within ``timeout_s``."""
    parts = []
    deadline = time.monotonic() + timeout_s
    while (remaining := deadline - time.monotonic()) > 0 and select.select([fd], [], [], remaining)[0]:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        parts.append(chunk)
    return b"".join(parts)
