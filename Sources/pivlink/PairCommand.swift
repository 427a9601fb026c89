import ArgumentParser
import Foundation
import StationDaemon

/// `pivlink pair`: pairs a card in pairing mode with the station (org.pivlink.Station1.Pair), shows the code both
/// sides show and confirms it; `--confirm CODE` confirms the ceremony in progress (how a script confirms a code it
/// was shown).
struct PairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pair",
        abstract: "Pair a card in pairing mode (`pivlink-card pair` on the phone) with this station.",
        discussion: """
            The station stops serving its cards while it looks for a card in pairing mode, then both show the \
            same 6-digit code: confirm it only if they match. On a terminal pivlink asks; otherwise it waits for \
            `pivlink pair --confirm CODE` from another process. Exits 0 when paired, 1 when the ceremony failed, \
            was rejected or timed out, 3 when the station is not running.
            """
    )

    @Option(help: "The name to store for the card (1 to 64 bytes).")
    var name = "card"

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("How long to search and wait for the confirmations: 10s to 10m.", valueName: "duration"),
        transform: PauseDuration.seconds(parsing:))
    var seconds: UInt32 = 120

    @Option(help: ArgumentHelp("Confirm the ceremony in progress with the code the card shows.", valueName: "CODE"))
    var confirm: String?

    func validate() throws {
        guard StationBusService.pairingSeconds.contains(seconds) else {
            throw ValidationError("--for takes 10s to 10m, not \(PauseDuration.text(seconds))")
        }
    }

    func run() throws {
        try StationClient.perform { client throws(StationClientFailure) in
            if let confirm {
                try confirmInProgress(confirm, client)
            } else {
                try pair(client)
            }
        }
    }

    private func pair(_ client: StationClient) throws(StationClientFailure) {
        _ = try client.call("Pair", arguments: [.string(name), .uint32(seconds)])
        Self.write("looking for a card in pairing mode for \(PauseDuration.text(seconds))…\n")
        var status = try client.waitForStatus(until: Date().addingTimeInterval(Double(seconds) + 5)) {
            $0.pairingState != .searching
        }
        if status.pairingState == .code {
            // Written at once, unbuffered: a script reading it confirms on the other side.
            Self.write("pairing code: \(status.pairingCode) (card \(status.pairingPeer))\n")
            if isatty(STDIN_FILENO) == 1 {
                Self.write("Does the card show the same code? [y/N] ")
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
                if answer == "y" || answer == "yes" {
                    _ = try client.call("ConfirmPairing", arguments: [.string(status.pairingCode)])
                } else {
                    _ = try client.call("RejectPairing")
                }
            }
            status = try client.waitForStatus(until: Date().addingTimeInterval(Self.ceremonyAllowance)) {
                $0.pairingState != .code
            }
        }
        try Self.report(status)
    }

    private func confirmInProgress(_ code: String, _ client: StationClient) throws(StationClientFailure) {
        var status = try client.status()
        guard status.pairingState == .searching || status.pairingState == .code else {
            throw StationClientFailure("no pairing in progress: start one with `pivlink pair`", status: 1)
        }
        status = try client.waitForStatus(until: Date().addingTimeInterval(10)) { $0.pairingState != .searching }
        guard status.pairingState == .code else {
            if status.pairingState == .searching {
                throw StationClientFailure("the station shows no code yet: is the card in pairing mode?", status: 1)
            }
            return try Self.report(status)
        }
        _ = try client.call("ConfirmPairing", arguments: [.string(code)])
        status = try client.waitForStatus(until: Date().addingTimeInterval(Double(StationBusService.pairingSeconds.upperBound))) {
            $0.pairingState != .code
        }
        try Self.report(status)
    }

    /// Once the code is shown the ceremony runs under its own deadlines (120 s for the users): a margin above them.
    static let ceremonyAllowance: TimeInterval = 130

    private static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Exit 0 with the paired card, or 1 with why not.
    private static func report(_ status: StationStatus) throws(StationClientFailure) {
        switch status.pairingState {
        case .paired:
            print(status.pairingResult)
        case .failed:
            throw StationClientFailure(status.pairingResult, status: 1)
        case .idle, .searching, .code:
            throw StationClientFailure("the pairing did not end in time (state \(status.pairingState.rawValue))", status: 1)
        }
    }
}
