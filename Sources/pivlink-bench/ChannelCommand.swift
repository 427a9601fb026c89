import ArgumentParser
import CardCrypto
import Crypto
import Foundation
import PIVCard

/// `pivlink-bench channel`: what the link's secure channel costs per APDU and per connection, against the same
/// exchange in the clear, side by side in one run.
struct ChannelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Per-APDU time over the link with and without the secure channel, and handshakes per second.",
        discussion: """
            The station's and the card's link machines run back to back in this process (no Bluetooth, no \
            waiting), fragments handed across at each ATT MTU, a PIVCard answering. Every cell is measured in \
            the clear (a benchmark-only mode) and over the Noise IK channel, in interleaved rounds.
            """
    )

    /// One line of the table: an operation at one MTU, in both modes.
    struct Row {
        let operation: String
        let mtu: Int
        /// APDUs per operation (chain links plus GET RESPONSEs); nil for the connection itself.
        let apdus: Int?
        /// The bytes of the whole answer (data without status words); nil for the connection itself.
        let answerBytes: Int?
        let measurements: [LinkPump.Mode: Measurement]
    }

    /// What one cell repeats: a connection (the handshake), or a workload's exchange on an open connection.
    private enum Operation {
        case connect
        case exchange(Workload)

        var name: String {
            switch self {
            case .connect: "connect (handshake)"
            case .exchange(let workload): workload.name
            }
        }
    }

    @Option(help: "ATT MTU to fragment at (23…517); repeat for several.")
    var mtu: [Int] = [517, 185]

    @Option(help: "Measured seconds per cell, split over the rounds.")
    var seconds: Double = 2

    @Option(help: "Rounds; each runs every cell once in both modes, the mode that goes first alternating.")
    var rounds = 6

    @Option(name: .customLong("warm-up"), help: "Unmeasured seconds per cell before the rounds.")
    var warmUp: Double = 0.2

    func validate() throws {
        guard seconds > 0, rounds > 0, warmUp >= 0 else {
            throw ValidationError("--seconds and --rounds must be positive, --warm-up not negative")
        }
        guard !mtu.isEmpty, mtu.allSatisfy({ (23...517).contains($0) }) else {
            throw ValidationError("--mtu takes ATT MTUs from 23 to 517")
        }
    }

    func run() throws {
        let card = InProcessTransport(card: try CardBenchmark.newCard())
        let direct = PIVClient(transport: card)
        let p256 = try BenchmarkKey(name: "P-256", algorithm: .eccP256)
        try CardBenchmark.load([(key: p256, slot: KeySlot.authentication.reference)], into: direct)
        let operations: [Operation] = [
            .connect,
            .exchange(try .getData("GET DATA certificate", tag: DataObject.attestationCertificate, answeredBy: direct)),
            .exchange(.ecdsaSign(p256, slot: KeySlot.authentication.reference, random: SystemRandom())),
            .exchange(try .selectPIV(answeredBy: direct)),
        ]

        let stationKey = Curve25519.KeyAgreement.PrivateKey()
        let cardKey = Curve25519.KeyAgreement.PrivateKey()
        let pumps = mtu.map { mtu in
            (mtu: mtu, modes: Dictionary(uniqueKeysWithValues: LinkPump.Mode.allCases.map { mode in
                (mode, LinkPump(mode: mode, mtu: mtu, card: card, stationKey: stationKey, cardKey: cardKey))
            }))
        }
        let slice = Duration.seconds(seconds / Double(rounds))
        print("""
            pivlink-bench channel: \(rounds) rounds × \(String(format: "%.2f", seconds / Double(rounds))) s per cell \
            and mode (after \(warmUp) s warm-up), the mode that goes first alternating; \
            \(ProcessInfo.processInfo.activeProcessorCount) CPUs.
            LinkCentralStateMachine (station) and LinkPeripheralStateMachine (card) back to back in this process,
            each fragment handed across as soon as it is sent, at ATT MTU \(mtu.map(String.init).joined(separator: " and ")) \
            (fragments of MTU − 3 bytes, at most 512);
            no Bluetooth, no waiting; one PIVCard answers every APDU. The two modes run the same card, the same APDUs,
            the same fragment pumping and the same PIVClient chaining and GET RESPONSEs; only the connection's
            LinkSecurity differs: plaintext (benchmark-only) or Noise_IK_25519_ChaChaPoly_SHA256 with the records
            of docs/link-protocol.md. Each cell opens a fresh connection (a full handshake in secure mode) before
            its measured APDUs. connect: both sides connect; in secure mode two fresh ephemeral keys and the whole
            handshake. GET DATA certificate: the certificate object 5FFF01 (the card's attestation certificate, an
            X.509 P-256 certificate), answered in 256-byte pieces through GET RESPONSE. P-256 sign: GENERAL
            AUTHENTICATE on a 32-byte hash with the key in 9A, PIN verified once. SELECT PIV: the full AID, answered
            with the application property template.

            """)
        let rows = try measure(operations, pumps: pumps, slice: slice, warmUp: .seconds(warmUp))
        print(ResultTable.render(rows))
    }

    /// Checks every exchange once in both modes, warms each cell up, then measures `rounds` rounds.
    private func measure(
        _ operations: [Operation], pumps: [(mtu: Int, modes: [LinkPump.Mode: LinkPump])], slice: Duration,
        warmUp: Duration
    ) throws -> [Row] {
        var cells: [(operation: Operation, mtu: Int, pumps: [LinkPump.Mode: LinkPump], check: (apdus: Int, bytes: Int)?)] = []
        for operation in operations {
            for (mtu, modes) in pumps {
                cells.append((operation, mtu, modes, try check(operation, modes)))
            }
        }
        for cell in cells {
            for pump in cell.pumps.values {
                _ = try time(cell.operation, over: pump, for: warmUp)
            }
        }
        var measurements = [[LinkPump.Mode: Measurement]](repeating: [:], count: cells.count)
        for round in 0..<rounds {
            let modes = round.isMultiple(of: 2) ? LinkPump.Mode.allCases : LinkPump.Mode.allCases.reversed()
            for (index, cell) in cells.enumerated() {
                for mode in modes {
                    guard let pump = cell.pumps[mode] else { continue }
                    let (count, elapsed) = try time(cell.operation, over: pump, for: slice)
                    measurements[index][mode, default: Measurement()].add(operations: count, elapsed: elapsed)
                }
            }
        }
        return cells.indices.map { index in
            let cell = cells[index]
            return Row(operation: cell.operation.name, mtu: cell.mtu, apdus: cell.check?.apdus,
                       answerBytes: cell.check?.bytes, measurements: measurements[index])
        }
    }

    /// Runs `operation` over `pump` back to back for `duration`; an exchange gets a fresh connection first,
    /// outside the measured time.
    private func time(_ operation: Operation, over pump: LinkPump, for duration: Duration) throws -> (Int, Duration) {
        switch operation {
        case .connect:
            return try Measurement.time(for: duration) { try pump.connect() }
        case .exchange(let workload):
            try pump.connect()
            let client = PIVClient(transport: pump)
            return try Measurement.time(for: duration) {
                let (response, _) = try client.exchange(workload.links)
                guard response.status == .success else {
                    throw BenchError(.card, "\(pump.mode.label): \(workload.name) failed with status \(response.status)")
                }
            }
        }
    }

    /// One correct answer in each mode; returns the APDUs per operation, which both modes must share, and the
    /// answer's length.
    private func check(_ operation: Operation, _ pumps: [LinkPump.Mode: LinkPump]) throws -> (apdus: Int, bytes: Int)? {
        guard case .exchange(let workload) = operation else {
            for pump in pumps.values { try pump.connect() }
            return nil
        }
        var apdus: Set<Int> = []
        var bytes = 0
        for pump in pumps.values {
            try pump.connect()
            let (response, count) = try PIVClient(transport: pump).exchange(workload.links)
            guard response.status == .success else {
                throw BenchError(.card, "\(pump.mode.label): \(workload.name) failed with status \(response.status)")
            }
            try workload.checkCardAnswer(response.data)
            apdus.insert(count)
            bytes = response.data.count
        }
        guard apdus.count == 1, let count = apdus.first else {
            throw BenchError(.mismatch, "\(workload.name) took \(apdus.sorted()) APDUs in the two modes")
        }
        return (count, bytes)
    }
}
