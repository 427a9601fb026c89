import FuzzSupport

// One PIV card session per input, from a saved starting state: see `CardFuzzInput` for the format and
// `CardHarness` for what is checked after every APDU. The starting states are made before fuzzing starts, so
// that a failure there is reported as such and their key generation is not charged to the first input.
_ = StartingStates.provisioned
runLibFuzzer { data, count in
    CardFuzzRun(CardFuzzInput(fuzzInput(data, count))).execute()
    return 0
}
