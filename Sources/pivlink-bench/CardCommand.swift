import ArgumentParser
import CardCrypto
import Foundation
import PIVCard

/// `pivlink-bench card`: sign operations per second in process, through PC/SC, and in raw OpenSSL, side by side.
struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Sign ops/s for P-256 and RSA-2048: (a) in process, (b) through pcscd/vpcd, (c) raw OpenSSL.",
        discussion: """
            Needs a pcscd whose reader holds a fresh `pivlink-card init` credential (default PIN and management \
            key) served by `pivlink-card serve`; scripts/bench card sets that up in a private sandbox. The \
            benchmark imports its own keys into 9A (P-256) and 9D (RSA-2048) of that card and of an in-process one.
            """
    )

    @Option(help: "The PC/SC reader that holds the served card.")
    var reader = "pivlink Virtual PCD 00 00"

    @Option(help: "What serves the reader: vpcd (pivlink-card serve --vpcd) or station (pivlink-station, the card over BLE); names path (b).")
    var route = ReaderRoute.vpcd

    @Option(help: "Measured seconds per cell, split over the rounds.")
    var seconds: Double = 3

    @Option(help: "Rounds; each runs every cell once, in a rotated order.")
    var rounds = 6

    @Option(name: .customLong("warm-up"), help: "Unmeasured seconds per cell before the rounds.")
    var warmUp: Double = 0.3

    @Option(help: "Seconds to wait for pcscd and for the card to appear in the reader.")
    var wait: Double = 30

    func validate() throws {
        guard seconds > 0, rounds > 0, warmUp >= 0, wait >= 0 else {
            throw ValidationError("--seconds and --rounds must be positive, --warm-up and --wait not negative")
        }
    }

    func run() throws {
        let p256 = try BenchmarkKey(name: "P-256", algorithm: .eccP256)
        let rsa = try BenchmarkKey(name: "RSA-2048", algorithm: .rsa2048)
        let keys = [(key: p256, slot: KeySlot.authentication.reference), (key: rsa, slot: KeySlot.keyManagement.reference)]

        let inProcess = PIVClient(transport: InProcessTransport(card: try CardBenchmark.newCard()))
        let pcsc = PIVClient(transport: try PCSCTransport(reader: reader, wait: .seconds(wait)))
        for client in [inProcess, pcsc] {
            try CardBenchmark.load(keys, into: client)
        }

        let random = SystemRandom()
        let workloads = [
            Workload.ecdsaSign(p256, slot: KeySlot.authentication.reference, random: random),
            try Workload.rsaSign(rsa, slot: KeySlot.keyManagement.reference, random: random),
            Workload.getVersion,
        ]
        let slice = Duration.seconds(seconds / Double(rounds))
        print("""
            pivlink-bench card: \(rounds) rounds × \(String(format: "%.2f", seconds / Double(rounds))) s per cell \
            (after \(warmUp) s warm-up), paths rotated each round; \(ProcessInfo.processInfo.activeProcessorCount) CPUs.
            (a) in process: PIVCard.process on APDU bytes, in this process.
            \(route.pathDescription)
            (c) raw OpenSSL: CardCrypto PrivateKey.ecdsaSign / rsaRawPrivate, thin calls over OpenSSL EVP, same key.
            Keys made here and imported into both cards: P-256 in 9A, RSA-2048 in 9D, PIN policy once, PIN verified
            once. P-256: one APDU (a 32-byte hash). RSA-2048: raw private op on 256 bytes, sent as a CLA 10 chain of
            two short APDUs, the 264-byte answer fetched with one GET RESPONSE. Every path's result is checked
            against the key before measuring.

            """)
        let rows = try CardBenchmark(workloads: workloads, inProcess: inProcess, pcsc: pcsc)
            .run(rounds: rounds, slice: slice, warmUp: .seconds(warmUp))
        print(ResultTable.render(rows, route: route))
    }
}
