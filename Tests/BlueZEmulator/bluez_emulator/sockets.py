"""Acquired sockets: one end of a SOCK_SEQPACKET pair, watched on the main loop.

Used on both sides: bluetoothd's end of a central's AcquireWrite/AcquireNotify pair, and the end an
application hands over from its own AcquireWrite/AcquireNotify. Each datagram is one ATT value (read
buffer 512 B, as BlueZ's); end of file or an error is a hang-up.
"""

from gi.repository import GLib

READ_SIZE = 512


class DatagramSocket:
    def __init__(self, sock, on_hangup, on_datagram=None):
        self.socket = sock
        self.socket.setblocking(False)
        self._on_hangup = on_hangup
        self._on_datagram = on_datagram
        self._watch = GLib.io_add_watch(sock.fileno(), GLib.PRIORITY_DEFAULT,
                                        GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, self._ready)

    def _ready(self, _fd, condition):
        if condition & GLib.IO_IN:
            try:
                data = self.socket.recv(READ_SIZE)
            except BlockingIOError:
                return True
            except OSError:
                data = b""
            if data:
                if self._on_datagram is not None:
                    self._on_datagram(data)
                return True
        self._watch = None
        self.socket.close()
        self._on_hangup()
        return False

    def send(self, value):
        """True if the datagram was queued; a full or closed socket drops it."""
        try:
            self.socket.send(value)
            return True
        except OSError:
            return False

    def close(self):
        if self._watch is not None:
            GLib.source_remove(self._watch)
            self._watch = None
        self.socket.close()
