import FuzzSupport

// The first byte picks the side under test: even the card (SecureCardRun), odd the station (SecureStationRun);
// the rest is read as one secure connection (SecureLinkInput).
runLibFuzzer { data, count in
    var bytes = fuzzInput(data, count)
    guard !bytes.isEmpty else { return 0 }
    if bytes.removeFirst() % 2 == 0 {
        SecureCardRun(bytes).check()
    } else {
        SecureStationRun(bytes).check()
    }
    return 0
}
