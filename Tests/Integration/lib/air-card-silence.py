"""Reads the emulator's capture (JSON lines, Tests/BlueZEmulator/README.md) from standard input and reports, for
the link requests whose command APDU has the instruction byte given as the first argument (hex), how long the
card worked on each (from the request's initial fragment to the RESPONSE) and the longest silence from the card
in that time, and how many KEEPALIVEs it sent. One line per request: "worked 1.234 s, longest silence 0.401 s,
3 keepalives". Used by cases/transport-ble.sh."""
import json
import sys

instruction = sys.argv[1].lower()
records = [json.loads(line) for line in sys.stdin if line.strip()]
started = None
last = None
longest = 0.0
keepalives = 0
for record in records:
    value = record["value"]
    if record["kind"] == "write-command" and value.startswith("82") and value[10:12] == instruction:
        started = last = record["time"]
        longest, keepalives = 0.0, 0
    elif started is not None and record["kind"] == "notification":
        longest = max(longest, record["time"] - last)
        last = record["time"]
        if value.startswith("bb"):
            keepalives += 1
        elif value.startswith("92"):
            print(f"worked {last - started:.3f} s, longest silence {longest:.3f} s, {keepalives} keepalives")
            started = None
