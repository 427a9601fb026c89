import APDU
import CardCrypto
import PIVCard

/// Plays one `CardFuzzInput` against a fresh card made from a starting state, so that runs are independent.
struct CardFuzzRun {
    private let input: CardFuzzInput

    init(_ input: CardFuzzInput) { self.input = input }

    func execute() {
        let mode = input.mode
        let harness = CardHarness(
            state: mode.contains(.provisioned) ? StartingStates.provisioned : StartingStates.fresh,
            configuration: StartingStates.configuration, random: DeterministicRandom(seed: StartingStates.randomSeed))
        if mode.contains(.authenticateManagementKey) { harness.authenticateManagementKey() }
        if mode.contains(.verifyPIN) { harness.verifyDefaultPIN() }
        var rsaKeyGenerations = mode.contains(.allowRSAKeyGeneration) ? 1 : 0
        for record in input.records {
            if record.flags.contains(.endSession) { harness.endSession() }
            if record.flags.contains(.idle) { harness.advancePastIdleTimeout() }
            var apdu = record.apdu
            if case .command(let command) = harness.disposition(of: apdu), let algorithm = Self.rsaGenerated(by: command) {
                if algorithm == .rsa2048, rsaKeyGenerations > 0 {
                    rsaKeyGenerations -= 1
                } else {
                    // P1 must be 00: with 01 the card refuses the command before generating anything, and a
                    // chain it would have completed is abandoned, since the header changed.
                    apdu[2] = 0x01
                }
            }
            harness.send(apdu, failingSaves: record.flags.contains(.failingSaves))
        }
    }

    /// The RSA size a GENERATE would make, read as the card reads it.
    private static func rsaGenerated(by command: CommandAPDU) -> AsymmetricAlgorithm? {
        guard command.ins == 0x47, command.p1 == 0x00,
              let template = try? TLV.parseSequence(command.data), template.count == 1, template[0].tag == 0xAC,
              let algorithm = (try? template[0].children())?.first(0x80)?.value,
              algorithm.count == 1, let named = AsymmetricAlgorithm(rawValue: algorithm[0]), named.isRSA
        else { return nil }
        return named
    }
}
