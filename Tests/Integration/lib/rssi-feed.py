#!/usr/bin/python3
"""The holder's phone as the station's RSSI source hears it: feeds the BlueZ emulator's connected-link RSSI
(org.pivlink.Emulator1.SetLinkRSSI) at a fixed rate, following a plan the test writes into a control file.

    rssi-feed.py --bus ADDRESS --control FILE --status FILE [--rate HZ] [--seed N]

The control file holds one plan; writing a new one starts it at once:
    hold LEVEL                 LEVEL dBm with ±2 dB of noise, until the next plan
    seated LEVEL SECONDS       seated: noise, a fade now and then, and posture changes (−6 dB for a while)
    walk FROM TO SECONDS       a walk-away: from FROM to TO dBm in SECONDS, with noise and body blockage, then
                               holds TO
When a plan with SECONDS has run its course, the status file gets "<plan's first word> done" (tests wait on
it). Runs until SIGTERM.
"""
import argparse
import os
import random
import signal
import sys
import time

import dbus

parser = argparse.ArgumentParser()
parser.add_argument("--bus", required=True)
parser.add_argument("--control", required=True)
parser.add_argument("--status", required=True)
parser.add_argument("--rate", type=float, default=5.0)
parser.add_argument("--seed", type=int, default=1)
options = parser.parse_args()

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
bus = dbus.bus.BusConnection(options.bus)
control = dbus.Interface(bus.get_object("org.bluez", "/org/pivlink/emulator"), "org.pivlink.Emulator1")
noise = random.Random(options.seed)


def read_plan():
    try:
        with open(options.control) as file:
            return file.read().split()
    except FileNotFoundError:
        return []


def level(plan, elapsed):
    """The level at `elapsed` seconds into `plan`, and whether the plan has run its course."""
    kind = plan[0] if plan else "hold"
    if kind == "hold":
        return float(plan[1]) if len(plan) > 1 else -55.0, False
    if kind == "seated":
        base, seconds = float(plan[1]), float(plan[2])
        # Posture: every 12 s the holder leans back or turns (−6 dB) for 6 s; a fade of −12 dB every 7 s.
        posture = -6.0 if (elapsed % 12.0) >= 6.0 else 0.0
        fade = -12.0 if (elapsed % 7.0) < 0.2 else 0.0
        return base + posture + fade, elapsed >= seconds
    if kind == "walk":
        start, end, seconds = float(plan[1]), float(plan[2]), float(plan[3])
        progress = min(elapsed / seconds, 1.0)
        # The body turns away at the start of the walk: 8 dB of blockage on top of the path loss.
        blockage = -8.0 if progress > 0.1 else 0.0
        return start + (end - start) * progress + blockage * (1.0 - progress), elapsed >= seconds
    raise SystemExit(f"rssi-feed: unknown plan {' '.join(plan)!r}")


plan, started, reported = None, time.monotonic(), False
period = 1.0 / options.rate
next_tick = time.monotonic()
while True:
    current = read_plan()
    if current != plan:
        plan, started, reported = current, time.monotonic(), False
    value, finished = level(plan, time.monotonic() - started)
    sample = max(-127, min(20, round(value + noise.gauss(0.0, 2.0))))
    control.SetLinkRSSI(dbus.Int16(sample), timeout=10)
    if finished and not reported:
        reported = True
        with open(options.status + ".new", "w") as file:
            file.write(f"{plan[0]} done\n")
        os.replace(options.status + ".new", options.status)
    next_tick += period
    time.sleep(max(0.0, next_tick - time.monotonic()))
