import FuzzSupport

// The first byte picks the run: 0 the card reads the input as message 1, 1 the card reads the genuine message 1
// XORed with the input, 2 and 3 the same for the station reading message 2, anything else an established channel
// fed the input's ops (ChannelRun).
runLibFuzzer { data, count in
    var bytes = fuzzInput(data, count)
    guard !bytes.isEmpty else { return 0 }
    let selector = bytes.removeFirst()
    switch selector {
    case 0: HandshakeRun(side: .card, bytes: bytes, patch: false).check()
    case 1: HandshakeRun(side: .card, bytes: bytes, patch: true).check()
    case 2: HandshakeRun(side: .station, bytes: bytes, patch: false).check()
    case 3: HandshakeRun(side: .station, bytes: bytes, patch: true).check()
    default:
        var run = ChannelRun(bytes)
        run.check()
    }
    return 0
}
