import Foundation

/// The station pairing store's payload: `StationPairings` as JSON with a format number, so that a document
/// written by a newer pivlink-station is refused rather than misread.
enum StationPairingDocument {
    static let format = 1

    private struct Stored: Codable {
        var format: Int
        var pairings: StationPairings
    }

    static func encode(_ pairings: StationPairings) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Stored(format: format, pairings: pairings)))
    }

    /// The decoder's own text names the failing field and why; values it quotes are never the private key
    /// (`PairingIdentity` reports a bad key without its bytes).
    static func decode(_ payload: [UInt8], path: String) throws(StationDaemonError) -> StationPairings {
        struct Header: Decodable { var format: Int }
        let data = Data(payload)
        let redo = "restore \(path) from a backup, or remove it and pair again"
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw StationDaemonError(.stateFailed, "the station's pairings in \(path) do not parse: \(redo)")
        }
        guard header.format == format else {
            throw StationDaemonError(.stateFailed, "the station's pairings in \(path) are in format \(header.format), this build reads \(format): upgrade pivlink-station")
        }
        do {
            return try JSONDecoder().decode(Stored.self, from: data).pairings
        } catch {
            throw StationDaemonError(.stateFailed, "the station's pairings in \(path) do not parse (\(error)): \(redo)")
        }
    }
}
