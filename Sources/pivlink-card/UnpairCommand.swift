import ArgumentParser
import CardDaemon
import Foundation
import Pairing

struct UnpairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpair",
        abstract: "Forget a paired station: it can no longer open a secure channel to this card.",
        discussion: """
            FINGERPRINT is the station's, as `pivlink-card status` lists it (3f9a-12c0-77de-0b41). With the card \
            daemon running the daemon removes it (and disconnects the station if it is connected); otherwise the \
            credential is changed directly. The station keeps its own pairing until `pivlink unpair` there.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The station's fingerprint.")
    var fingerprint: String

    func validate() throws {
        do {
            _ = try PairingFingerprint(parsing: fingerprint)
        } catch {
            throw ValidationError(error.detail)
        }
    }

    func run() throws {
        let fingerprint = try PairingFingerprint(parsing: fingerprint)
        do {
            let client = try CardClient()
            try client.call("Unpair", arguments: [.string(fingerprint.description)])
            print("unpaired station \(fingerprint)")
            return
        } catch where error.status == CardClient.notRunningStatus {
            // Not running: the credential is ours to change.
        } catch {
            FileHandle.standardError.write(Data("pivlink-card: \(error.message)\n".utf8))
            throw ExitCode(error.status)
        }
        let (directory, _) = try storeOptions.openDocument(.readWrite)
        let record: PairingRecord
        do {
            record = try CredentialStateStore(directory: directory).removeStation(fingerprint: fingerprint)
        } catch let error as CardDaemonError {
            FileHandle.standardError.write(Data("pivlink-card: \(error.detail)\n".utf8))
            throw ExitCode(1)
        }
        print("unpaired station \(record.fingerprint) (\(record.name)) in \(storeOptions.store)")
    }
}
