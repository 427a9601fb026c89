import CardCrypto
import PIVCard

/// Runs every workload along every path that applies, in interleaved rounds so that the machine's noise hits
/// all cells alike, after checking once that each path computes the right result.
final class CardBenchmark {
    struct Row {
        let workload: String
        /// APDUs per operation on the card paths (chain links plus GET RESPONSEs).
        let apdus: Int
        let measurements: [BenchPath: Measurement]
    }

    private let workloads: [Workload]
    private let clients: [BenchPath: PIVClient]

    init(workloads: [Workload], inProcess: PIVClient, pcsc: PIVClient) {
        self.workloads = workloads
        clients = [.inProcess: inProcess, .pcsc: pcsc]
    }

    /// A fresh credential as `pivlink-card init` makes it (default PIN, PUK and management key), in memory.
    static func newCard() throws -> PIVCard {
        let state = try CardProvisioning.newCredential(
            pin: ReferenceValue.defaultPIN, puk: ReferenceValue.defaultPUK,
            managementKey: ManagementKey(algorithm: CardProvisioning.defaultManagementKeyAlgorithm,
                                         key: CardProvisioning.defaultManagementKey, isDefault: true),
            kdf: .interactive, environment: CardEnvironment())
        return PIVCard(state: state, store: InMemoryCardStateStore())
    }

    /// Puts each key into its slot with the PIN policy "once" through real APDUs (management key mutual
    /// authentication, IMPORT), then verifies the PIN for the session.
    static func load(_ keys: [(key: BenchmarkKey, slot: UInt8)], into client: PIVClient) throws {
        try client.selectPIV()
        try client.authenticate(
            managementKey: ManagementKey(algorithm: CardProvisioning.defaultManagementKeyAlgorithm,
                                         key: CardProvisioning.defaultManagementKey, isDefault: true),
            random: SystemRandom())
        for (key, slot) in keys {
            try client.importKey(key, slot: slot, pinPolicy: .once)
        }
        try client.verifyPIN(ReferenceValue.defaultPIN)
    }

    /// Checks every path's result once, warms each cell up, then measures `rounds` rounds of `slice` per cell.
    func run(rounds: Int, slice: Duration, warmUp: Duration) throws -> [Row] {
        var apdus: [Int] = []
        for workload in workloads {
            apdus.append(try check(workload))
            for path in BenchPath.allCases {
                guard let operation = operation(workload, path) else { continue }
                _ = try Measurement.time(for: warmUp, operation)
            }
        }
        var measurements = [[BenchPath: Measurement]](repeating: [:], count: workloads.count)
        for round in 0..<rounds {
            // Rotate the order each round, so that no path always runs first or last.
            let paths = BenchPath.allCases.indices.map { BenchPath.allCases[($0 + round) % BenchPath.allCases.count] }
            for (index, workload) in workloads.enumerated() {
                for path in paths {
                    guard let operation = operation(workload, path) else { continue }
                    let (count, elapsed) = try Measurement.time(for: slice, operation)
                    measurements[index][path, default: Measurement()].add(operations: count, elapsed: elapsed)
                }
            }
        }
        return workloads.indices.map { Row(workload: workloads[$0].name, apdus: apdus[$0], measurements: measurements[$0]) }
    }

    /// One correct result from each path; returns the APDUs per operation, which both card paths must share.
    private func check(_ workload: Workload) throws -> Int {
        var apdus: Set<Int> = []
        for path in [BenchPath.inProcess, .pcsc] {
            guard let client = clients[path] else { continue }
            let (response, count) = try client.exchange(workload.links)
            guard response.status == .success else {
                throw BenchError(.card, "\(path.label): \(workload.name) failed with status \(response.status)")
            }
            try workload.checkCardAnswer(response.data)
            apdus.insert(count)
        }
        if let raw = workload.rawOpenSSL {
            try workload.checkRawResult(raw())
        }
        guard apdus.count == 1, let count = apdus.first else {
            throw BenchError(.mismatch, "\(workload.name) took \(apdus.sorted()) APDUs on the two card paths")
        }
        return count
    }

    /// The operation a path repeats, or nil when the workload has no such path.
    private func operation(_ workload: Workload, _ path: BenchPath) -> (() throws -> Void)? {
        switch path {
        case .inProcess, .pcsc:
            guard let client = clients[path] else { return nil }
            let links = workload.links
            return {
                let (response, _) = try client.exchange(links)
                guard response.status == .success else {
                    throw BenchError(.card, "\(path.label): \(workload.name) failed with status \(response.status)")
                }
            }
        case .openSSL:
            guard let raw = workload.rawOpenSSL else { return nil }
            return { _ = try raw() }
        }
    }
}
