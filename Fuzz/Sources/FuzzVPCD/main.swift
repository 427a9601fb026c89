import FuzzSupport

// One vpcd connection per input: the input is the TCP stream from vpcd, cut into reads of fuzzer-chosen sizes.
runLibFuzzer { data, count in
    VPCDConnectionRun(fuzzInput(data, count)).check()
    return 0
}
