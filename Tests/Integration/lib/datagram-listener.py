#!/usr/bin/python3
"""Stands in for systemd's end of a unix datagram socket: the service manager's $NOTIFY_SOCKET, or journald's
native socket (/run/systemd/journal/socket). Both protocols send FIELD=value assignments, one per line; the
journal's binary form (FIELD\\n, a 64-bit little-endian length, the value, \\n) carries values with newlines.

    datagram-listener.py SOCKET OUTPUT

binds SOCKET and appends one line per assignment to OUTPUT: "SECONDS DATAGRAM FIELD=value", SECONDS on
CLOCK_MONOTONIC when the datagram arrived, DATAGRAM its number (1, 2, …), newlines in the value written as \\n.
A datagram with several assignments (READY=1 and STATUS=…, or a journal entry) gives several lines with the same
number. Runs until killed."""
import os
import socket
import struct
import sys
import time


def assignments(datagram):
    rest = datagram
    while rest:
        line, newline, after = rest.partition(b"\n")
        if b"=" in line:
            yield line.decode("utf-8", "replace")
            rest = after
        elif newline and len(after) >= 8:
            (size,) = struct.unpack("<Q", after[:8])
            value = after[8:8 + size]
            yield line.decode("utf-8", "replace") + "=" + value.decode("utf-8", "replace")
            rest = after[8 + size + 1:]
        else:
            return


def main():
    path, output = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    os.chmod(path, 0o666)
    with open(output, "a", buffering=1) as out:
        number = 0
        while True:
            datagram = server.recv(1 << 17)
            now = time.monotonic()
            number += 1
            for assignment in assignments(datagram):
                out.write("%.3f %d %s\n" % (now, number, assignment.replace("\n", "\\n")))


if __name__ == "__main__":
    main()
