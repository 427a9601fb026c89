import FuzzSupport

// The first byte picks the run: 0 decodes the rest as one pairing message (MessageRoundTrip); odd the station
// under test, even the card, against a genuine peer fed the input's ops (CeremonyRun).
runLibFuzzer { data, count in
    var bytes = fuzzInput(data, count)
    guard !bytes.isEmpty else { return 0 }
    let selector = bytes.removeFirst()
    if selector == 0 {
        MessageRoundTrip(bytes).check()
    } else {
        var run = CeremonyRun(subjectRole: selector % 2 == 1 ? .station : .card, ops: bytes)
        run.check()
    }
    return 0
}
