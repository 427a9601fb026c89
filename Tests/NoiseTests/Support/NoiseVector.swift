import Foundation
import PivlinkTesting

/// One protocol of Resources/noise-25519-chachapoly-sha256.json (the cacophony format), with hex decoded.
struct NoiseVector {
    struct Message {
        let payload: [UInt8]
        let ciphertext: [UInt8]
    }

    let protocolName: String
    let initiatorPrologue: [UInt8]
    let initiatorStatic: [UInt8]?
    let initiatorEphemeral: [UInt8]
    let initiatorRemoteStatic: [UInt8]?
    let initiatorPSKs: [[UInt8]]
    let responderPrologue: [UInt8]
    let responderStatic: [UInt8]?
    let responderEphemeral: [UInt8]
    let responderRemoteStatic: [UInt8]?
    let responderPSKs: [[UInt8]]
    let handshakeHash: [UInt8]
    let messages: [Message]

    /// The vector for `protocolName` from the test bundle's copy of the file.
    static func named(_ protocolName: String) throws -> NoiseVector {
        guard let vector = try all().first(where: { $0.protocolName == protocolName }) else {
            throw VectorFileError(detail: "no vector for \(protocolName)")
        }
        return vector
    }

    static func all() throws -> [NoiseVector] {
        guard let url = Bundle.module.url(
            forResource: "noise-25519-chachapoly-sha256", withExtension: "json", subdirectory: "Resources"
        ) else {
            throw VectorFileError(detail: "the vector file is not in the test bundle")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(File.self, from: Data(contentsOf: url)).vectors.map(NoiseVector.init)
    }

    private init(_ raw: File.Vector) {
        protocolName = raw.protocolName
        initiatorPrologue = hex(raw.initPrologue)
        initiatorStatic = raw.initStatic.map(hex)
        initiatorEphemeral = hex(raw.initEphemeral)
        initiatorRemoteStatic = raw.initRemoteStatic.map(hex)
        initiatorPSKs = (raw.initPsks ?? []).map(hex)
        responderPrologue = hex(raw.respPrologue)
        responderStatic = raw.respStatic.map(hex)
        responderEphemeral = hex(raw.respEphemeral)
        responderRemoteStatic = raw.respRemoteStatic.map(hex)
        responderPSKs = (raw.respPsks ?? []).map(hex)
        handshakeHash = hex(raw.handshakeHash)
        messages = raw.messages.map { Message(payload: hex($0.payload), ciphertext: hex($0.ciphertext)) }
    }

    /// The file's layout; its snake_case keys are read with `.convertFromSnakeCase`.
    private struct File: Decodable {
        struct Vector: Decodable {
            let protocolName: String
            let initPrologue: String
            let initStatic: String?
            let initEphemeral: String
            let initRemoteStatic: String?
            let initPsks: [String]?
            let respPrologue: String
            let respStatic: String?
            let respEphemeral: String
            let respRemoteStatic: String?
            let respPsks: [String]?
            let handshakeHash: String
            let messages: [RawMessage]
        }

        struct RawMessage: Decodable {
            let payload: String
            let ciphertext: String
        }

        let vectors: [Vector]
    }
}

struct VectorFileError: Error {
    let detail: String
}
