import ArgumentParser
import CardCrypto
import CardDaemon
import PIVCard

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the credential: serial, GUID, keys and certificates, tries left, pairings. Never a secret."
    )

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let (_, document) = try storeOptions.openDocument(.readOnly)
        let status = CardStatus(document.state)
        print("store:           \(storeOptions.store)")
        print("serial:          \(status.serial)")
        print("GUID:            \(status.guid ?? "none")")
        print("PIN:             \(Self.counter(status.pin))")
        print("PUK:             \(Self.counter(status.puk))")
        print("management key:  \(Self.name(status.managementKeyAlgorithm))"
            + (status.managementKeyIsDefault ? " (the default value: change it)" : ""))
        print(status.slots.isEmpty ? "keys:            none" : "keys:")
        for slot in status.slots {
            let columns = [
                "  \(slot.slot)", Self.name(slot.algorithm), "\(slot.origin)", "PIN \(slot.pinPolicy)",
            ].map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }
            print(columns.joined() + "certificate: \(slot.certificateSubject ?? "none")")
        }
        if let daemon = try? CardClient().status() {
            Self.printPairings(daemon)
        } else {
            Self.printPairings(document.pairings)
        }
    }

    /// The running daemon's view: the pairings it holds, its pairing window and the station it serves.
    private static func printPairings(_ daemon: CardBusStatus) {
        print("card key:        \(daemon.fingerprint)")
        print(daemon.pairings.isEmpty ? "paired stations: none" : "paired stations:")
        for station in daemon.pairings {
            print("  \(station.fingerprint)  \(station.name)")
        }
        print("serving:         \(daemon.station.isEmpty ? "no station" : "station " + daemon.station)")
        let pairing = daemon.pairing
        let window = pairing.state == .code ? "code \(pairing.code) shown (station \(pairing.peer))" : pairing.state.rawValue
        print("pairing:         \(window)" + (pairing.result.isEmpty ? "" : ": \(pairing.result)"))
    }

    private static func printPairings(_ pairings: CardPairings?) {
        guard let pairings else {
            print("card key:        none yet (pivlink-card serve creates it)")
            print("paired stations: none")
            return
        }
        print("card key:        \(pairings.fingerprint)")
        let stations = pairings.stations.records
        print(stations.isEmpty ? "paired stations: none" : "paired stations:")
        for station in stations {
            print("  \(station.fingerprint)  \(station.name)")
        }
    }

    private static func counter(_ reference: ReferenceData) -> String {
        let tries = reference.isBlocked ? "blocked" : "\(reference.triesLeft) of \(reference.maximumTries) tries left"
        return tries + (reference.isDefault ? " (the default value: change it)" : "")
    }

    private static func name(_ algorithm: SymmetricAlgorithm) -> String {
        switch algorithm {
        case .tripleDES: "3DES"
        case .aes128: "AES-128"
        case .aes192: "AES-192"
        case .aes256: "AES-256"
        }
    }

    private static func name(_ algorithm: AsymmetricAlgorithm) -> String {
        switch algorithm {
        case .rsa2048: "RSA 2048"
        case .rsa3072: "RSA 3072"
        case .rsa4096: "RSA 4096"
        case .eccP256: "ECC P-256"
        case .eccP384: "ECC P-384"
        case .ed25519: "Ed25519"
        case .x25519: "X25519"
        }
    }
}
