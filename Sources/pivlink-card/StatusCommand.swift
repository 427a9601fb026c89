import ArgumentParser
import PIVCard

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the credential: serial, GUID, keys and certificates, tries left. Never a secret."
    )

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let (_, state) = try storeOptions.open(.readOnly)
        let status = CardStatus(state)
        print("store:          \(storeOptions.store)")
        print("serial:         \(status.serial)")
        print("GUID:           \(status.guid ?? "none")")
        print("PIN:            \(Self.counter(status.pin))")
        print("PUK:            \(Self.counter(status.puk))")
        print("management key: \(status.managementKeyAlgorithm)\(status.managementKeyIsDefault ? ", the default value" : "")")
        if status.slots.isEmpty {
            print("slots:          none")
        }
        for slot in status.slots {
            print("slot \(slot.slot):       \(slot.algorithm), \(slot.origin), PIN \(slot.pinPolicy)"
                + ", certificate: \(slot.certificateSubject ?? "none")")
        }
    }

    private static func counter(_ reference: ReferenceData) -> String {
        let state = reference.isBlocked ? "blocked" : "\(reference.triesLeft) of \(reference.maximumTries) tries left"
        return state + (reference.isDefault ? ", the default value" : "")
    }
}
