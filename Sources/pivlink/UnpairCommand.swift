import ArgumentParser
import StationDaemon

/// `pivlink unpair FINGERPRINT`: forgets a paired card (org.pivlink.Station1.Unpair), on the card too when its
/// secure channel is open.
struct UnpairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpair",
        abstract: "Forget a paired card; `pivlink status` lists their fingerprints.",
        discussion: """
            When the card is connected over its secure channel it is asked to forget this station too; otherwise \
            only this station forgets it (remove the station on the card with `pivlink-card unpair`). Exits 3 when \
            the station is not running.
            """
    )

    @Argument(help: "The card's fingerprint, like 3f9a-12c0-77de-0b41.")
    var fingerprint: String

    func run() throws {
        try StationClient.perform { client throws(StationClientFailure) in
            let removedOnCard = try client.call("Unpair", arguments: [.string(fingerprint)]).first?.boolean ?? false
            if removedOnCard {
                print("unpaired \(fingerprint) on this station and on the card")
            } else {
                print("unpaired \(fingerprint) on this station only (the card did not confirm: it was not connected over its secure channel, or did not answer): remove this station on the card with `pivlink-card unpair`")
            }
        }
    }
}
