import ArgumentParser
import CardDaemon
import DBus
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct PairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pair",
        abstract: "Open the pairing window and pair a station: compare the 6-digit code with the workstation's.",
        discussion: """
            Asks the running card daemon (pivlink-card serve --ble) to advertise pairing mode for --for (10s to \
            600s, default 120s). Run `pivlink pair` on the workstation meanwhile: both show the same code. On a \
            terminal you are asked whether the codes match; otherwise another process confirms with \
            `pivlink-card pair --confirm CODE`, which confirms the ceremony in progress (a different code fails \
            it). Exits 0 when paired, 1 when the ceremony failed, was rejected or timed out, 3 when the daemon \
            is not running.
            """
    )

    /// How long `--confirm` waits for the daemon to show its code.
    static let codeWait = Duration.seconds(10)
    /// What the daemon may take beyond the window to finish a ceremony: its confirmation timeout and a margin.
    static let ceremonyAllowance = Duration.seconds(130)

    @Option(name: .customLong("for"), help: "How long the pairing window stays open: 120s, 2m, 600 (seconds).")
    var window: String = "120s"

    @Option(help: "The name to keep for the station (default: \"station\" and its fingerprint).")
    var name: String = ""

    @Option(help: "Confirm the code of the ceremony in progress instead of starting one.")
    var confirm: String?

    func validate() throws {
        guard Self.seconds(window) != nil else {
            throw ValidationError("--for takes 10 to 600 seconds: 120s, 2m or 300")
        }
        if confirm != nil, name != "" {
            throw ValidationError("--name goes with starting a pairing, not with --confirm")
        }
    }

    /// "120s", "2m" or "120" as seconds within the daemon's window bounds; nil otherwise.
    static func seconds(_ text: String) -> UInt32? {
        let (digits, unit): (Substring, UInt32) =
            switch text.last {
            case "s": (text.dropLast(), 1)
            case "m": (text.dropLast(), 60)
            default: (Substring(text), 1)
            }
        guard let count = UInt32(digits), count <= 600 else { return nil }
        let seconds = count * unit
        return CardPairingSession.windowSeconds.contains(seconds) ? seconds : nil
    }

    func run() throws {
        try CardClient.perform { client throws(CardClientFailure) in
            if let confirm {
                try Self.confirmInProgress(confirm, client: client)
            } else {
                try start(client: client)
            }
        }
    }

    private func start(client: CardClient) throws(CardClientFailure) {
        guard let seconds = Self.seconds(window) else { return }
        try client.call("StartPairing", arguments: [.uint32(seconds), .string(name)])
        Self.say("pairing window open for \(seconds) s: run `pivlink pair` on the workstation")
        let allowed = Duration.seconds(seconds) + Self.ceremonyAllowance
        guard let shown = try client.wait(timeout: allowed, until: { [.code, .paired, .failed].contains($0.pairing.state) })
        else {
            throw CardClientFailure("the card daemon never ended the pairing: see its log", status: 1)
        }
        guard shown.pairing.state == .code else { return try Self.finish(shown) }
        Self.show(shown)
        if isatty(STDIN_FILENO) == 1 {
            Self.say("Does the workstation show the same code? [y/N] ", ending: "")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            do {
                if answer == "y" || answer == "yes" {
                    try client.call("ConfirmPairing", arguments: [.string(shown.pairing.code)])
                } else {
                    try client.call("RejectPairing")
                }
            } catch {
                // The ceremony may have ended while the question was open (the station rejected, a timeout).
                guard error.status != CardClient.notRunningStatus else { throw error }
            }
        }
        try Self.awaitEnd(client: client)
    }

    private static func confirmInProgress(_ code: String, client: CardClient) throws(CardClientFailure) {
        guard [.open, .code].contains(try client.status().pairing.state) else {
            throw CardClientFailure("no pairing in progress: start one with `pivlink-card pair`", status: 1)
        }
        guard let shown = try client.wait(timeout: codeWait, until: { [.code, .paired, .failed].contains($0.pairing.state) })
        else {
            throw CardClientFailure("no pairing code was shown within \(codeWait): is the workstation pairing?", status: 1)
        }
        guard shown.pairing.state == .code else { return try finish(shown) }
        show(shown)
        try client.call("ConfirmPairing", arguments: [.string(code)])
        try awaitEnd(client: client)
    }

    private static func awaitEnd(client: CardClient) throws(CardClientFailure) {
        guard let ended = try client.wait(timeout: ceremonyAllowance, until: { [.paired, .failed, .closed].contains($0.pairing.state) })
        else {
            throw CardClientFailure("the card daemon never ended the pairing: see its log", status: 1)
        }
        try finish(ended)
    }

    private static func show(_ status: CardBusStatus) {
        say("pairing code: \(status.pairing.code) (station \(status.pairing.peer))")
    }

    private static func finish(_ status: CardBusStatus) throws(CardClientFailure) {
        guard status.pairing.state == .paired else {
            let reason = status.pairing.result.isEmpty ? "the pairing window closed" : status.pairing.result
            throw CardClientFailure("pairing failed: \(reason)", status: 1)
        }
        say(status.pairing.result)
    }

    /// Written at once, unbuffered: a script reads the code while the command still waits.
    private static func say(_ line: String, ending: String = "\n") {
        FileHandle.standardOutput.write(Data((line + ending).utf8))
    }
}
