import CardDaemon
import Foundation
import PIVCard
import Pairing
import PivlinkTesting
import StoreTesting
import Testing

struct CardStateDocumentTests {
    @Test func roundTripKeepsStateAndPairings() throws {
        var pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        try pairings.addStation(TestStation.record("desk-42", seed: "station"))
        let document = CardStateDocument(state: try TestCardState.make(), pairings: pairings)

        let decoded = try CardStateDocument(decoding: try document.encoded())

        #expect(decoded == document)
        #expect(decoded.pairings?.identity.keyPair.privateKey == pairings.identity.keyPair.privateKey)
    }

    @Test func writesFormat2() throws {
        let document = CardStateDocument(state: try TestCardState.make(), pairings: nil)
        let object = try JSONSerialization.jsonObject(with: Data(try document.encoded())) as? [String: Any]
        #expect(object?["format"] as? Int == 2)
    }

    @Test func format1ReadsWithoutPairings() throws {
        let state = try TestCardState.make()
        let format1 = try Self.document(format: 1, state: state)

        let decoded = try CardStateDocument(decoding: format1)

        #expect(decoded.state == state)
        #expect(decoded.pairings == nil)
    }

    @Test func format3IsRefused() throws {
        let payload = try Self.document(format: 3, state: try TestCardState.make())
        let error = #expect(throws: CardDaemonError.self) { try CardStateDocument(decoding: payload) }
        #expect(error?.code == .newerState)
    }

    @Test func damagedIdentityIsUnreadableWithoutTheKey() throws {
        let pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        let good = try CardStateDocument(state: try TestCardState.make(), pairings: pairings).encoded()
        // Drop the key's last byte: valid base64 of 31 bytes.
        let key = pairings.identity.keyPair.privateKey
        let text = String(decoding: good, as: UTF8.self).replacingOccurrences(
            of: jsonBase64(key), with: jsonBase64(Array(key.dropLast())))

        let error = #expect(throws: CardDaemonError.self) { try CardStateDocument(decoding: Array(text.utf8)) }

        #expect(error?.code == .unreadableState)
        let errorText = error.map { String(describing: $0) } ?? ""
        for form in secretForms(of: key) + secretForms(of: Array(key.dropLast())) {
            #expect(!errorText.contains(form))
        }
    }

    /// A document as an older or newer pivlink-card would write it: the state alone, in `format`.
    private static func document(format: Int, state: CardState) throws -> [UInt8] {
        struct Stored: Encodable {
            var format: Int
            var state: CardState
        }
        return Array(try JSONEncoder().encode(Stored(format: format, state: state)))
    }
}

/// Bytes as JSONEncoder writes them into a document: base64, with '/' escaped.
private func jsonBase64(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "\\/")
}
