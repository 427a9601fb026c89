"""What an encrypted pivlink link shows on the air, read from the BlueZ emulator's capture.

The capture (JSON lines on standard input, Tests/BlueZEmulator/README.md "Capture") holds every fragment the
station wrote to the card's request characteristic and every one the card notified on its response
characteristic. This reader puts the fragments back into link frames (docs/link-protocol.md "Fragments": an
initial fragment CMD TXID LEN(2) DATA, continuations SEQ DATA) per connection, and reports only what anyone in
radio range can see of the secure channel ("Secure channel"): who sent a frame, its command byte (A0/A1 handshake,
A2 RECORD, BF ERROR in the clear, A8 PAIRING), its TXID and its LEN. A RECORD's LEN is its sealed message's body
+ 19, so:
  - a station record is a request; one of LEN 27 (an 8-byte body) may be a PING, which the readers below skip
    where nothing else tells it apart (an APDU of 8 bytes is skipped with it);
  - a station record of LEN 19 is a request without body (POWER_ON, POWER_OFF, RESET, GET_CREDENTIAL_VERSION),
    of LEN 23 or more an APDU (≥ 4 bytes), so `apdus` lists those;
  - a card record of LEN 20 (a 1-byte body) is a KEEPALIVE or an ERROR; a longer one is an answer (RESPONSE,
    ATR…), and the last card record under a request's TXID is its final answer.
An ERROR in the clear is the whole fragment `bf TX 00 01 CODE`.

Usage: air-records.py SUBCOMMAND [ARGS] < capture-part
  frames                  every frame: time side cmd txid len [replayed]
  apdus                   the station's APDU records: txid len body, one a line
  apdu-exchanges          each APDU record of the station and the card's final answer to it (its last record under
                          that TXID before the TXID comes again): side txid len fragments, one a line
  crossed CLIENT-APDUS    which of the client's APDUs (file CLIENT-APDUS: hex, spaces allowed, one a line, in the
                          order sent, e.g. from pcscd's --apdu log) the station's APDU records carry, as far as
                          their lengths tell: the records are some of those APDUs, unchanged and in order, so a
                          record can be each APDU of its body's length that an in-order matching of all the
                          records puts there. Prints per record: txid len CLA INS P1 P2 (hex), or several
                          joined by "|" when lengths leave a choice; exit 1 if no matching exists
  requests                the station's requests but PINGs: txid len, one a line
  answered                exit 0 if the card sent an answer longer than one byte under the last request's TXID
  work [BODY]             per request answered (only those whose body is BODY bytes, if given):
                          "worked 1.234 s, longest silence 0.401 s, 3 keepalives" (silence: between the
                          request and the card's records under its TXID)
  clear-errors            the ERRORs the card sent in the clear: txid code (hex), one a line
  handshakes              the handshake messages: side (station A0, card A1), one a line
  fragments               the raw fragments (hex) of the first request in the input, one a line
  pin-absent PIN PINHEX   exit 0 if neither the PIN's ASCII bytes nor PINHEX (its padded block) is in any
                          captured value or any reassembled frame (a value may be cut across fragments)
  ephemerals-distinct N   exit 0 if at least N connections' handshakes are on the air and the ephemeral keys
                          (first 32 bytes of every A0 and A1 payload) are all distinct
  records-unique          exit 0 if no RECORD payload appears twice (replayed writes left out)
  last-two-differ         exit 0 if the last two requests have equal LEN and different payloads
  --self-test             checks this reader on a synthetic capture
Each check prints one line saying what it found. Exit 2: bad usage.
"""
import json
import sys

REQUEST_UUID = "898a0002-6249-4f6c-b878-318bb3580b9c"
RESPONSE_UUID = "898a0003-6249-4f6c-b878-318bb3580b9c"
RECORD, INITIATION, RESPONSE, ERROR, PAIRING = 0xA2, 0xA0, 0xA1, 0xBF, 0xA8
RECORD_OVERHEAD = 19  # header 1, CMD and TXID 2, tag 16
PING_RECORD_LEN = RECORD_OVERHEAD + 8
ONE_BYTE_RECORD_LEN = RECORD_OVERHEAD + 1
EPHEMERAL_KEY_SIZE = 32


class Frame:
    def __init__(self, time, side, connection, fragment):
        self.time = self.end = time
        self.side = side
        self.connection = connection
        self.command = fragment[0]
        self.txid = fragment[1]
        self.length = int.from_bytes(fragment[2:4], "big")
        self.payload = bytearray(fragment[4:])
        self.fragments = [bytes(fragment)]
        self.replayed = False

    @property
    def complete(self):
        return len(self.payload) >= self.length

    def describe(self):
        return "%.3f %s %02x %02x %d%s" % (self.time, self.side, self.command, self.txid, self.length,
                                           " replayed" if self.replayed else "")


def read_capture(lines):
    return [json.loads(line) for line in lines if line.strip()]


def frames(records):
    """Link frames in air order (by their initial fragment). A discovery request starts a connection: the
    emulator's central discovers the services on every connect."""
    connection = 0
    open_frames = {}
    result = []
    for record in records:
        kind = record["kind"]
        if kind == "discovery-request":
            connection += 1
            open_frames = {}
            continue
        if record["uuid"] == REQUEST_UUID and kind in ("write-command", "write-request"):
            side = "station"
        elif record["uuid"] == RESPONSE_UUID and kind in ("notification", "indication"):
            side = "card"
        else:
            continue
        value = bytes.fromhex(record["value"])
        if not value:
            continue
        if value[0] & 0x80:
            if len(value) < 4:
                continue
            frame = Frame(record["time"], side, connection, value)
            frame.replayed = bool(record.get("replayed"))
            result.append(frame)
            open_frames[side] = frame
        else:
            frame = open_frames.get(side)
            if frame is None or frame.complete:
                continue
            frame.payload += value[1:]
            frame.fragments.append(value)
            frame.end = record["time"]
    return result


def is_record(frame, side):
    return frame.side == side and frame.command == RECORD


def requests(all_frames):
    """The station's requests, PINGs (and 8-byte-body APDUs with them) left out."""
    return [f for f in all_frames if is_record(f, "station") and f.length != PING_RECORD_LEN]


def apdus(all_frames):
    return [f for f in requests(all_frames) if f.length >= RECORD_OVERHEAD + 4]


def card_records(all_frames, request):
    return [f for f in all_frames if is_record(f, "card") and f.txid == request.txid
            and f.connection == request.connection and f.time >= request.time]


def final_answer(all_frames, request):
    """The card's last record under the request's TXID before the station uses that TXID again, or None."""
    answer = None
    for frame in all_frames:
        if frame.connection != request.connection or frame.txid != request.txid or frame.time < request.time:
            continue
        if frame.side == "station" and frame is not request:
            break
        if is_record(frame, "card"):
            answer = frame
    return answer


def apdu_exchanges(all_frames):
    """Each APDU record of the station followed by the card's final answer to it, if on the air."""
    result = []
    for request in apdus(all_frames):
        result.append(request)
        answer = final_answer(all_frames, request)
        if answer is not None:
            result.append(answer)
    return result


def parse_client_apdus(lines):
    return [bytes.fromhex(line.replace(" ", "")) for line in lines if line.strip()]


def crossed(all_frames, client_apdus):
    """Per APDU record of the station, the headers (CLA INS P1 P2, hex, in the client's order) of the client APDUs
    it may carry, or None when the records are no in-order part of `client_apdus` by length. A record i may carry
    client APDU k of its length if earliest[i] <= k <= latest[i]: the records before it fit before k (placed as
    early as they go) and those after it fit after k (placed as late as they go)."""
    bodies = [f.length - RECORD_OVERHEAD for f in apdus(all_frames)]
    lengths = [len(apdu) for apdu in client_apdus]
    earliest, k = [], 0
    for body in bodies:
        while k < len(lengths) and lengths[k] != body:
            k += 1
        if k == len(lengths):
            return None
        earliest.append(k)
        k += 1
    latest, k = [0] * len(bodies), len(lengths) - 1
    for i in reversed(range(len(bodies))):
        while lengths[k] != bodies[i]:
            k -= 1
        latest[i] = k
        k -= 1
    result = []
    for i, body in enumerate(bodies):
        headers = []
        for candidate in range(earliest[i], latest[i] + 1):
            header = client_apdus[candidate][:4].hex().upper()
            if lengths[candidate] == body and header not in headers:
                headers.append(header)
        result.append(headers)
    return result


def work_reports(all_frames, body=None):
    reports = []
    for request in requests(all_frames):
        if body is not None and request.length != body + RECORD_OVERHEAD:
            continue
        answers = card_records(all_frames, request)
        if not answers:
            continue
        last, longest = request.time, 0.0
        for answer in answers:
            longest = max(longest, answer.time - last)
            last = answer.time
        keepalives = sum(1 for answer in answers[:-1] if answer.length == ONE_BYTE_RECORD_LEN)
        reports.append("worked %.3f s, longest silence %.3f s, %d keepalives"
                       % (answers[-1].time - request.time, longest, keepalives))
    return reports


def clear_errors(all_frames):
    return [f for f in all_frames if f.side == "card" and f.command == ERROR and f.length == 1 and f.complete]


def handshakes(all_frames):
    return [f for f in all_frames if (f.side, f.command) in (("station", INITIATION), ("card", RESPONSE))]


def pin_found(records, all_frames, pin, pin_block):
    needles = [pin.encode("ascii"), pin_block]
    values = [bytes.fromhex(r["value"]) for r in records] + [bytes(f.payload) for f in all_frames]
    return [needle for needle in needles if any(needle in value for value in values)]


def ephemerals(all_frames):
    keys = [bytes(f.payload[:EPHEMERAL_KEY_SIZE]) for f in handshakes(all_frames) if len(f.payload) >= EPHEMERAL_KEY_SIZE]
    connections = {f.connection for f in handshakes(all_frames) if f.side == "station"}
    return keys, len(connections)


def repeated_records(all_frames):
    seen, repeats = set(), []
    for frame in all_frames:
        if frame.command != RECORD or frame.replayed:
            continue
        payload = bytes(frame.payload)
        if payload in seen:
            repeats.append(frame)
        seen.add(payload)
    return repeats


def run(command, arguments, lines):
    records = read_capture(lines)
    all_frames = frames(records)
    if command == "frames":
        for frame in all_frames:
            print(frame.describe())
    elif command == "apdus":
        for frame in apdus(all_frames):
            print("%02x %d %d" % (frame.txid, frame.length, frame.length - RECORD_OVERHEAD))
    elif command == "apdu-exchanges":
        for frame in apdu_exchanges(all_frames):
            print("%s %02x %d %d" % (frame.side, frame.txid, frame.length, len(frame.fragments)))
    elif command == "crossed" and len(arguments) == 1:
        with open(arguments[0]) as client:
            matched = crossed(all_frames, parse_client_apdus(client))
        if matched is None:
            print("the station's APDU records are no in-order part of the client's APDUs", file=sys.stderr)
            return 1
        for frame, headers in zip(apdus(all_frames), matched):
            print("%02x %d %s" % (frame.txid, frame.length, "|".join(headers)))
    elif command == "requests":
        for frame in requests(all_frames):
            print("%02x %d" % (frame.txid, frame.length))
    elif command == "answered":
        pending = requests(all_frames)
        if not pending:
            print("no request on the air")
            return 1
        answers = [f for f in card_records(all_frames, pending[-1]) if f.length > ONE_BYTE_RECORD_LEN]
        print("%d answer record(s) under TXID %02x" % (len(answers), pending[-1].txid))
        return 0 if answers else 1
    elif command == "work" and len(arguments) <= 1:
        for report in work_reports(all_frames, int(arguments[0]) if arguments else None):
            print(report)
    elif command == "clear-errors":
        for frame in clear_errors(all_frames):
            print("%02x %02x" % (frame.txid, frame.payload[0]))
    elif command == "handshakes":
        for frame in handshakes(all_frames):
            print("%s %02x" % (frame.side, frame.command))
    elif command == "fragments":
        pending = requests(all_frames)
        if not pending:
            print("no request on the air", file=sys.stderr)
            return 1
        for fragment in pending[0].fragments:
            print(fragment.hex())
    elif command == "pin-absent" and len(arguments) == 2:
        found = pin_found(records, all_frames, arguments[0], bytes.fromhex(arguments[1]))
        print("%d captured values, %d frames: %s" % (len(records), len(all_frames),
              "the PIN appears as " + ", ".join(n.hex() for n in found) if found else "no PIN, in ASCII or as its block"))
        return 1 if found else 0
    elif command == "ephemerals-distinct" and len(arguments) == 1:
        keys, connections = ephemerals(all_frames)
        distinct = len(set(keys))
        print("%d connections with a handshake, %d ephemeral keys, %d distinct" % (connections, len(keys), distinct))
        return 0 if connections >= int(arguments[0]) and distinct == len(keys) else 1
    elif command == "records-unique":
        repeats = repeated_records(all_frames)
        total = sum(1 for f in all_frames if f.command == RECORD and not f.replayed)
        print("%d records, %d repeated%s" % (total, len(repeats),
              "".join(" (%s)" % f.describe() for f in repeats[:3])))
        return 1 if repeats or total == 0 else 0
    elif command == "last-two-differ":
        pending = requests(all_frames)
        if len(pending) < 2:
            print("%d request(s) on the air, not two" % len(pending))
            return 1
        first, second = pending[-2:]
        same_length = first.length == second.length
        different = bytes(first.payload) != bytes(second.payload)
        print("LEN %d and %d, %s bytes" % (first.length, second.length, "different" if different else "the same"))
        return 0 if same_length and different else 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


# --- self-test -------------------------------------------------------------------------------------------------

def _line(time, side, value, kind=None, replayed=False):
    uuid = REQUEST_UUID if side == "station" else RESPONSE_UUID
    kind = kind or ("write-command" if side == "station" else "notification")
    direction = "central-to-peripheral" if side == "station" else "peripheral-to-central"
    record = {"time": time, "direction": direction, "kind": kind, "uuid": uuid, "handle": 64, "value": value.hex()}
    if replayed:
        record["replayed"] = True
    return json.dumps(record)


def _message(command, txid, payload, size=20):
    """The fragments of one frame at fragment size `size`."""
    head = bytes([command, txid]) + len(payload).to_bytes(2, "big")
    fragments = [head + payload[:size - 4]]
    rest, sequence = payload[size - 4:], 0
    while rest:
        fragments.append(bytes([sequence]) + rest[:size - 1])
        rest, sequence = rest[size - 1:], (sequence + 1) & 0x7F
    return fragments


def _synthetic(connections=3, sealed=True, same_ciphertext=False):
    """A capture of `connections` connections, each: handshake, a VERIFY request with keepalives, its answer;
    `sealed` False puts the VERIFY in the clear (82), as a link without the channel would."""
    lines, time, counter = [], 1000.0, 0

    def noise(n):
        nonlocal counter
        counter += 1
        return bytes((counter * 7 + i * 13) & 0xFF for i in range(n))

    def send(side, fragments, **options):
        nonlocal time
        for fragment in fragments:
            time += 0.01
            lines.append(_line(time, side, fragment, **options))

    verify = bytes.fromhex("0020008008313233343536ffff")
    for _ in range(connections):
        lines.append(json.dumps({"time": time, "direction": "central-to-peripheral", "kind": "discovery-request",
                                 "uuid": "", "handle": 0, "value": ""}))
        send("station", _message(INITIATION, 0, noise(96)))
        send("card", _message(RESPONSE, 0, noise(48)))
        if sealed:
            send("station", _message(RECORD, 1, noise(len(verify) + RECORD_OVERHEAD)))
            time += 0.4
            send("card", _message(RECORD, 1, noise(ONE_BYTE_RECORD_LEN)))
            time += 0.45
            send("card", _message(RECORD, 1, noise(2 + RECORD_OVERHEAD)))
            send("station", _message(RECORD, 2, noise(PING_RECORD_LEN)))
            payload = noise(len(verify) + RECORD_OVERHEAD)
            send("station", _message(RECORD, 3, payload))
            send("station", _message(RECORD, 4, payload if same_ciphertext else noise(len(payload))))
        else:
            send("station", _message(0x82, 1, verify))
            send("card", _message(0x92, 1, bytes.fromhex("9000")))
    return lines


def self_test():
    failures = []

    def check(what, got, expected):
        if got != expected:
            failures.append("%s: got %r, expected %r" % (what, got, expected))

    sealed = _synthetic()
    all_frames = frames(read_capture(sealed))
    check("frames", len(all_frames), 3 * 8)
    check("a request of 13 bytes crosses as LEN 32 in 2 fragments",
          [(f.length, len(f.fragments)) for f in apdus(all_frames)][:1], [(32, 2)])
    check("work of 13-byte requests only", len(work_reports(all_frames, 13)), 3)
    check("no work of 12-byte requests", work_reports(all_frames, 12), [])
    check("PINGs are not requests", [f.txid for f in requests(all_frames)][:3], [1, 3, 4])
    check("work", work_reports(all_frames)[0], "worked 0.890 s, longest silence 0.470 s, 1 keepalives")
    check("pin absent (sealed)", pin_found(read_capture(sealed), all_frames, "123456", bytes.fromhex("313233343536ffff")), [])
    clear = _synthetic(sealed=False)
    check("pin found (clear, cut across fragments too)",
          pin_found(read_capture(clear), frames(read_capture(clear)), "123456", bytes.fromhex("313233343536ffff")),
          [b"123456", bytes.fromhex("313233343536ffff")])
    keys, connections = ephemerals(all_frames)
    check("ephemerals", (len(keys), len(set(keys)), connections), (6, 6, 3))
    check("records unique", repeated_records(all_frames), [])
    repeating = frames(read_capture(_synthetic(same_ciphertext=True)))
    check("a repeated record is found", len(repeated_records(repeating)), 3)
    check("the last two requests differ", run_quietly("last-two-differ", [], sealed), 0)
    check("the last two requests equal", run_quietly("last-two-differ", [], _synthetic(same_ciphertext=True)), 1)
    # One connection's lines: discovery 1, A0 6 fragments, A1 3, the request 2, its KEEPALIVE 2, its answer 2.
    check("a KEEPALIVE is not an answer", run_quietly("answered", [], sealed[:14]), 1)
    check("answered once the answer is there", run_quietly("answered", [], sealed[:16]), 0)
    check("two connections are too few", run_quietly("ephemerals-distinct", ["3"], _synthetic(connections=2)), 1)
    error = [_line(2000.0, "card", bytes.fromhex("bf0500010a"))]
    check("an ERROR in the clear", [(f.txid, f.payload[0]) for f in clear_errors(frames(read_capture(error)))],
          [(5, 0x0A)])
    replay = sealed + [_line(3000.0 + i, "station", v, replayed=True)
                       for i, v in enumerate(apdus(all_frames)[0].fragments)]
    check("replayed writes are not repeats", run_quietly("records-unique", [], replay), 0)
    check("fragments of the first request", run_fragments(sealed), [f.hex() for f in apdus(all_frames)[0].fragments])
    # The first connection's lines: discovery 1, A0 6 fragments, A1 3, request 01 2, its KEEPALIVE 2 and answer 2,
    # the PING 2, requests 03 and 04 2 each; all three requests are 13-byte APDUs.
    first = frames(read_capture(sealed[:22]))
    check("APDU exchanges: each request and its final answer",
          [(f.side, f.txid, f.length, len(f.fragments)) for f in apdu_exchanges(first)],
          [("station", 1, 32, 2), ("card", 1, 21, 2), ("station", 3, 32, 2), ("station", 4, 32, 2)])
    client = parse_client_apdus(["00 A4 04 00 08 A0 00 00 03 08 00 00 10", "00CB3FFF055C035FC10500",
                                 "00 20 00 80 08 31 32 33 34 35 36 FF FF", "00 20 00 80 08 31 32 33 34 35 36 FF FF",
                                 "00 87 11 9A 07 7C 05 82 00 81 01 00 00"])
    check("crossed: the candidates lengths leave", crossed(first, client),
          [["00A40400", "00200080"], ["00200080"], ["00200080", "0087119A"]])
    check("crossed: too few client APDUs of the length", crossed(first, client[:3]), None)
    for failure in failures:
        print("FAIL", failure)
    print("air-records self-test: %d checks failed" % len(failures) if failures else "air-records self-test: ok")
    return 1 if failures else 0


def run_quietly(command, arguments, lines):
    saved, sys.stdout = sys.stdout, open("/dev/null", "w")
    try:
        return run(command, arguments, lines)
    finally:
        sys.stdout.close()
        sys.stdout = saved


def run_fragments(lines):
    pending = requests(frames(read_capture(lines)))
    return [fragment.hex() for fragment in pending[0].fragments]


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1], sys.argv[2:], sys.stdin))
