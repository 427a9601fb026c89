import FuzzSupport

// Every input is read four ways: as a command APDU, as a BER-TLV sequence, as a response to split into
// 61xx/GET RESPONSE pieces, and as a command to split into a chain. Each check states what its parser or
// assembler promises for any input.
runLibFuzzer { data, count in
    let bytes = fuzzInput(data, count)
    CommandAPDURoundTrip.check(bytes)
    TLVRoundTrip.check(bytes)
    ResponseChainerReassembly.check(bytes)
    CommandChainReassembly.check(bytes)
    return 0
}
