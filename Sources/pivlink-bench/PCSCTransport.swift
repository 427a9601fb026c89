import CPCSCLite
import Foundation

/// Path (b): a PC/SC client, as middleware is one: SCardTransmit to pcscd, which passes each APDU to vpcd and
/// on to `pivlink-card serve` over loopback TCP.
final class PCSCTransport: CardTransport {
    /// pcsc-lite's largest response: 64 KiB of data plus the status word.
    private static let responseCapacity = 65_536 + 2

    private let context: SCARDCONTEXT
    private let handle: SCARDHANDLE
    private let sendPCI: SCARD_IO_REQUEST
    private var response = [UInt8](repeating: 0, count: PCSCTransport.responseCapacity)

    /// Connects to the card in `reader`, waiting up to `wait` for pcscd to come up and the card to be inserted.
    init(reader: String, wait: Duration) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        context = try Self.establishContext(until: deadline, clock: clock)
        do {
            try Self.waitForCard(in: reader, context: context, until: deadline, clock: clock)
            var handle: SCARDHANDLE = 0
            var activeProtocol: DWORD = 0
            try Self.check(
                SCardConnect(context, reader, DWORD(SCARD_SHARE_SHARED), DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1),
                             &handle, &activeProtocol),
                "connecting to the card in \"\(reader)\"")
            self.handle = handle
            sendPCI = SCARD_IO_REQUEST(dwProtocol: activeProtocol, cbPciLength: DWORD(MemoryLayout<SCARD_IO_REQUEST>.size))
        } catch {
            SCardReleaseContext(context)
            throw error
        }
    }

    deinit {
        SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD))
        SCardReleaseContext(context)
    }

    func transmit(_ command: [UInt8]) throws -> [UInt8] {
        var length = DWORD(response.count)
        let status = withUnsafePointer(to: sendPCI) { pci in
            SCardTransmit(handle, pci, command, DWORD(command.count), nil, &response, &length)
        }
        try Self.check(status, "SCardTransmit")
        return Array(response[0..<Int(length)])
    }

    // MARK: waiting for pcscd and the card

    /// pcscd refuses contexts (no service) until its socket is up; retry until the deadline.
    private static func establishContext(until deadline: ContinuousClock.Instant, clock: ContinuousClock) throws
        -> SCARDCONTEXT
    {
        while true {
            var context: SCARDCONTEXT = 0
            let status = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
            if status == SCARD_S_SUCCESS { return context }
            if clock.now >= deadline { try check(status, "reaching pcscd (SCardEstablishContext)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Blocks in SCardGetStatusChange until `reader` holds a card; a reader pcscd does not know yet is polled.
    private static func waitForCard(
        in reader: String, context: SCARDCONTEXT, until deadline: ContinuousClock.Instant, clock: ContinuousClock
    ) throws {
        var known = DWORD(SCARD_STATE_UNAWARE)
        while true {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else {
                let known = readers(context).map { "\"\($0)\"" }.joined(separator: ", ")
                throw BenchError(.pcsc, "no card appeared in the reader \"\(reader)\" in time "
                    + "(pcscd has: \(known.isEmpty ? "no readers" : known)): is pivlink-card serving it, or is --reader wrong?")
            }
            var state = SCARD_READERSTATE()
            state.dwCurrentState = known
            let status = reader.withCString { name in
                state.szReader = name
                return SCardGetStatusChange(context, DWORD(min(remaining, .seconds(1)).milliseconds), &state, 1)
            }
            if status == SCARD_E_TIMEOUT { continue }
            if status == SCARD_E_UNKNOWN_READER {
                // pcscd adds the readers of reader.conf.d while it starts.
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            try check(status, "watching the reader \"\(reader)\" (SCardGetStatusChange)")
            if state.dwEventState & DWORD(SCARD_STATE_PRESENT) != 0 { return }
            if state.dwEventState & DWORD(SCARD_STATE_UNKNOWN) != 0 {
                known = DWORD(SCARD_STATE_UNAWARE)
                Thread.sleep(forTimeInterval: 0.1)
            } else {
                known = state.dwEventState & ~DWORD(SCARD_STATE_CHANGED)
            }
        }
    }

    /// The readers pcscd knows, for error messages; empty when it has none or cannot say.
    private static func readers(_ context: SCARDCONTEXT) -> [String] {
        var length: DWORD = 0
        guard SCardListReaders(context, nil, nil, &length) == SCARD_S_SUCCESS, length > 0 else { return [] }
        var names = [CChar](repeating: 0, count: Int(length))
        guard SCardListReaders(context, nil, &names, &length) == SCARD_S_SUCCESS else { return [] }
        return names.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    private static func check(_ status: LONG, _ what: String) throws {
        guard status != SCARD_S_SUCCESS else { return }
        let reason = String(cString: pcsc_stringify_error(status))
        throw BenchError(.pcsc, "\(what) failed: \(reason)")
    }
}
