import FuzzSupport

// Every input is read three ways: as a fragment stream for the reassembler (and as info bytes), as the station's
// side of a session fed to the card's machine, and as the card's side fed to the station's machine.
runLibFuzzer { data, count in
    let bytes = fuzzInput(data, count)
    FragmentStreamRun(bytes).check()
    PeripheralRun(bytes).check()
    CentralRun(bytes).check()
    return 0
}
