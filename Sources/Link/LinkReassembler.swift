/// Puts frames back together from fragments received in order, one message at a time.
///
/// Strict: the continuation fragments of a message must come with sequence numbers 0, 1, 2… (wrapping after 7F),
/// and a message must be whole before the next initial fragment. Anything else is an error, because ATT over
/// EATT can reorder writes and notifications across bearers and a reordered message must never be delivered.
/// Memory is bounded by `maximumMessageLength`, checked against the length field before any data is kept.
///
/// After an error the partial message is dropped and the continuation fragments that follow are discarded
/// without further errors until the next initial fragment, so that one lost fragment costs one error, not one
/// per fragment of the rest of its message.
public struct LinkReassembler: Sendable {
    private struct Assembly: Sendable {
        var initialFragment: [UInt8]
        var command: LinkCommand
        var transaction: UInt8
        var length: Int
        var payload: [UInt8]
        /// The sequence number of the last continuation received; nil until the first.
        var lastSequence: UInt8?
        var nextSequence: UInt8 { lastSequence.map { UInt8((Int($0) + 1) % LinkFragment.sequenceModulus) } ?? 0 }
    }

    private enum State: Sendable {
        /// Between messages. `lastSequence` is the last continuation of the message just completed, to tell its
        /// duplicate from a stray fragment.
        case idle(lastSequence: UInt8?)
        case assembling(Assembly)
        /// After an error: continuations are dropped until the next initial fragment.
        case discarding
    }

    public let fragmentSize: Int
    public let maximumMessageLength: Int
    private var state = State.idle(lastSequence: nil)

    /// - Parameters:
    ///   - fragmentSize: the largest fragment accepted, 20…512 (`LinkInfo.fragmentSize(forMTU:)`).
    ///   - maximumMessageLength: the largest payload accepted, at most 0xFFFF.
    public init(fragmentSize: Int, maximumMessageLength: Int = LinkFrame.maximumPayloadLength) {
        precondition(
            (LinkFragment.minimumSize...LinkFragment.maximumSize).contains(fragmentSize),
            "fragment size \(fragmentSize) outside \(LinkFragment.minimumSize)...\(LinkFragment.maximumSize)"
        )
        precondition((0...LinkFrame.maximumPayloadLength).contains(maximumMessageLength), "message limit \(maximumMessageLength)")
        self.fragmentSize = fragmentSize
        self.maximumMessageLength = maximumMessageLength
    }

    /// True while part of a message has arrived but not all of it.
    public var isAssembling: Bool {
        switch state {
        case .assembling: true
        case .idle, .discarding: false
        }
    }

    /// The transaction id of the message being assembled.
    public var openTransaction: UInt8? {
        switch state {
        case .assembling(let assembly): assembly.transaction
        case .idle, .discarding: nil
        }
    }

    /// Takes one fragment. Returns the frame it completes, or nil if the message needs more fragments (or the
    /// fragment was discarded after an error). Throws a fragment error; the partial message is then dropped.
    public mutating func receive(_ fragment: [UInt8]) throws(LinkError) -> LinkFrame? {
        do throws(LinkError) {
            return try accept(fragment)
        } catch {
            state = .discarding
            throw error
        }
    }

    /// Drops the partial message, as when its fragments stopped coming: the continuations that follow are
    /// discarded quietly until the next initial fragment, as after an error. Returns true if a message was cut
    /// short.
    @discardableResult
    public mutating func abandon() -> Bool {
        defer { state = .discarding }
        return isAssembling
    }

    private mutating func accept(_ fragment: [UInt8]) throws(LinkError) -> LinkFrame? {
        guard let first = fragment.first else {
            throw LinkError(.truncatedFragment, "an empty fragment")
        }
        guard fragment.count <= fragmentSize else {
            throw LinkError(.oversizeFragment, "a \(fragment.count)-byte fragment on a link whose fragments are at most \(fragmentSize)")
        }
        if LinkFragment.isInitial(first) {
            return try acceptInitial(fragment)
        }
        return try acceptContinuation(sequence: first, data: fragment.dropFirst())
    }

    private mutating func acceptInitial(_ fragment: [UInt8]) throws(LinkError) -> LinkFrame? {
        switch state {
        case .assembling(let open):
            if open.lastSequence == nil, open.initialFragment == fragment {
                throw LinkError(.duplicateFragment, "the initial fragment of transaction \(open.transaction) came twice")
            }
            throw LinkError(
                .interleavedMessage,
                "a new message began after \(open.payload.count) of the \(open.length) bytes of transaction \(open.transaction)"
            )
        case .idle, .discarding:
            break
        }
        guard fragment.count >= LinkFragment.initialHeaderLength else {
            throw LinkError(.truncatedFragment, "a \(fragment.count)-byte initial fragment; its header alone is 4 bytes")
        }
        let length = Int(fragment[2]) << 8 | Int(fragment[3])
        guard length <= maximumMessageLength else {
            throw LinkError(.messageTooLong, "a \(length)-byte message; the limit is \(maximumMessageLength)")
        }
        let data = fragment[LinkFragment.initialHeaderLength...]
        guard data.count <= length else {
            throw LinkError(.oversizeFragment, "an initial fragment with \(data.count) bytes of a \(length)-byte message")
        }
        var payload: [UInt8] = []
        payload.reserveCapacity(length)
        payload += data
        let assembly = Assembly(
            initialFragment: fragment, command: LinkCommand(rawValue: fragment[0]), transaction: fragment[1],
            length: length, payload: payload, lastSequence: nil
        )
        return complete(assembly)
    }

    private mutating func acceptContinuation(sequence: UInt8, data: ArraySlice<UInt8>) throws(LinkError) -> LinkFrame? {
        var assembly: Assembly
        switch state {
        case .discarding:
            return nil
        case .idle(let lastSequence):
            if sequence == lastSequence {
                throw LinkError(.duplicateFragment, "continuation \(hexByte(sequence)) came again after its message was complete")
            }
            throw LinkError(.outOfOrderFragment, "continuation \(hexByte(sequence)) belongs to no message")
        case .assembling(let open):
            assembly = open
        }
        guard sequence == assembly.nextSequence else {
            if sequence == assembly.lastSequence {
                throw LinkError(.duplicateFragment, "continuation \(hexByte(sequence)) of transaction \(assembly.transaction) came twice")
            }
            throw LinkError(
                .outOfOrderFragment,
                "continuation \(hexByte(sequence)) of transaction \(assembly.transaction); expected \(hexByte(assembly.nextSequence))"
            )
        }
        guard !data.isEmpty else {
            throw LinkError(.truncatedFragment, "continuation \(hexByte(sequence)) carries no data")
        }
        guard data.count <= assembly.length - assembly.payload.count else {
            throw LinkError(
                .oversizeFragment,
                "continuation \(hexByte(sequence)) brings \(data.count) bytes; the message needs \(assembly.length - assembly.payload.count) more"
            )
        }
        assembly.payload += data
        assembly.lastSequence = sequence
        return complete(assembly)
    }

    private mutating func complete(_ assembly: Assembly) -> LinkFrame? {
        guard assembly.payload.count == assembly.length else {
            state = .assembling(assembly)
            return nil
        }
        state = .idle(lastSequence: assembly.lastSequence)
        return LinkFrame(command: assembly.command, transaction: assembly.transaction, payload: assembly.payload)
    }
}
