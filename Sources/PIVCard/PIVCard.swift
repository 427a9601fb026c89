import APDU
import CardCrypto

/// The PIV card application (SP 800-73-5 plus the YubiKey 5.7 extensions that middleware relies on).
///
/// Pure: command APDUs in, response APDUs out, over a `CardStateStore`. Time comes in as a monotonic reading
/// with each call; randomness and the wall clock come from the `CardEnvironment`. PIV is the only application
/// and is selected by default after every reset (SP 800-157r1 App. B asks for a default-selected application).
public final class PIVCard {
    /// T=1, 9 historical bytes "\0pivlink\u{1}". Deliberately not `3B 8x 80 01…`, which makes OpenSC treat the
    /// card as contactless and start virtual-contact-interface logic (research/piv.md §2).
    public static let atr: [UInt8] = {
        var body: [UInt8] = [0xF9, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00]
        body += Array("pivlink".utf8)
        body.append(0x01)
        let check = body.reduce(UInt8(0), ^)
        return [0x3B] + body + [check]
    }()

    /// The YubiKey firmware level whose behaviour this card follows; libykpiv gates features on it (≥5.3 GET
    /// METADATA, ≥5.7 RSA 3072/4096, Ed25519, X25519, MOVE KEY).
    public static let firmwareVersion: [UInt8] = [5, 7, 0]

    /// Command chains may carry at most this much: the largest object plus its tag and length.
    static let maximumChainLength = DataObject.maximumSize + 16

    public private(set) var state: CardState
    let store: any CardStateStore
    let environment: CardEnvironment
    let configuration: CardConfiguration
    var security = SecurityState()
    private var chain = CommandChainAssembler(maximumLength: PIVCard.maximumChainLength)
    private var responses = ResponseChainer()

    public init(
        state: CardState, store: any CardStateStore, environment: CardEnvironment = CardEnvironment(),
        configuration: CardConfiguration = CardConfiguration()
    ) {
        self.state = state
        self.store = store
        self.environment = environment
        self.configuration = configuration
    }

    // MARK: session events

    /// Answers one command APDU. `now` is a monotonic reading (any origin) used for the idle timeout.
    public func process(_ bytes: [UInt8], now: Duration) -> [UInt8] {
        tick(now: now)
        security.lastActivity = now
        guard let command = try? CommandAPDU(parsing: bytes) else {
            abandonPendingExchanges()
            return ResponseAPDU(.wrongLength).serialized()
        }
        return respond(to: command).serialized()
    }

    /// Power-off, reset, and removal all end the session: every privilege is dropped, as a card's RAM is.
    public func endSession() {
        security.clear()
        chain.abandon()
        responses.discard()
    }

    /// When the session's privileges run out if no command comes first.
    public var nextDeadline: Duration? {
        guard security.holdsAnything, let last = security.lastActivity else { return nil }
        return last + configuration.idleTimeout
    }

    /// Ends the session's privileges once the idle timeout has passed.
    public func tick(now: Duration) {
        if let deadline = nextDeadline, now >= deadline {
            security.clear()
        }
    }

    // MARK: dispatch

    /// What an unusable command does to the exchanges it interrupts: the chain being received, the answer being
    /// read, and what lasts only until the next command (PIN Always, a pending management-key challenge) all end.
    private func abandonPendingExchanges() {
        chain.abandon()
        responses.discard()
        security.endOneCommandState()
    }

    private func respond(to command: CommandAPDU) -> ResponseAPDU {
        guard command.cla & ~0x10 == 0x00 else {
            abandonPendingExchanges()
            return ResponseAPDU(.classNotSupported)
        }
        if command.ins == Instruction.getResponse, !command.isChainContinuation {
            security.endOneCommandState()
            return responses.getResponse(le: command.le) ?? ResponseAPDU(.conditionsOfUseNotSatisfied)
        }
        responses.discard()
        switch chain.receive(command) {
        case .awaitingMore:
            // Only a GENERAL AUTHENTICATE arriving in links may still use what the command before it granted.
            if command.ins != Instruction.generalAuthenticate { security.endOneCommandState() }
            return ResponseAPDU(.success)
        case .rejected(let status):
            security.endOneCommandState()
            return ResponseAPDU(status)
        case .complete(let whole):
            let pinJustVerified = security.pinJustVerified
            if whole.ins != Instruction.generalAuthenticate || whole.p2 != ManagementKeyAuthentication.keyReference {
                security.pendingAdminChallenge = nil
            }
            let response = execute(whole, pinJustVerified: pinJustVerified)
            if whole.ins != Instruction.verify {
                security.pinJustVerified = false
            }
            return responses.begin(response, le: whole.le)
        }
    }

    private func execute(_ command: CommandAPDU, pinJustVerified: Bool) -> ResponseAPDU {
        switch command.ins {
        case Instruction.select: select(command)
        case Instruction.getData: getData(command)
        case Instruction.putData: putData(command)
        case Instruction.verify: verify(command)
        case Instruction.changeReferenceData: changeReferenceData(command)
        case Instruction.resetRetryCounter: resetRetryCounter(command)
        case Instruction.generalAuthenticate: generalAuthenticate(command, pinJustVerified: pinJustVerified)
        case Instruction.generateAsymmetricKeyPair: generateKeyPair(command)
        case Instruction.getVersion: ResponseAPDU(data: Self.firmwareVersion, status: .success)
        case Instruction.getSerial: getSerial(command)
        case Instruction.setManagementKey: setManagementKey(command)
        case Instruction.importAsymmetricKey: importKey(command)
        case Instruction.getMetadata: getMetadata(command)
        case Instruction.attest: attest(command)
        case Instruction.setPINRetries: setPINRetries(command)
        case Instruction.reset: resetApplication(command)
        case Instruction.moveKey: moveKey(command)
        default: ResponseAPDU(.instructionNotSupported)
        }
    }

    private func getSerial(_ command: CommandAPDU) -> ResponseAPDU {
        let serial = state.serial
        let bytes: [UInt8] = [24, 16, 8, 0].map { shift in UInt8(truncatingIfNeeded: serial >> UInt32(shift)) }
        return ResponseAPDU(data: bytes, status: .success)
    }

    // MARK: persistence

    /// Makes `next` durable and current. On failure nothing changes and the caller answers 6581.
    func commit(_ next: CardState) -> Bool {
        do {
            try store.save(next)
        } catch {
            return false
        }
        state = next
        return true
    }
}

/// Instruction bytes (SP 800-73-5 pt2 and libykpiv's ykpiv.h).
enum Instruction {
    static let select: UInt8 = 0xA4
    static let getData: UInt8 = 0xCB
    static let putData: UInt8 = 0xDB
    static let verify: UInt8 = 0x20
    static let changeReferenceData: UInt8 = 0x24
    static let resetRetryCounter: UInt8 = 0x2C
    static let generalAuthenticate: UInt8 = 0x87
    static let generateAsymmetricKeyPair: UInt8 = 0x47
    static let getResponse: UInt8 = 0xC0
    static let getVersion: UInt8 = 0xFD
    static let getSerial: UInt8 = 0xF8
    static let setManagementKey: UInt8 = 0xFF
    static let importAsymmetricKey: UInt8 = 0xFE
    static let getMetadata: UInt8 = 0xF7
    static let attest: UInt8 = 0xF9
    static let setPINRetries: UInt8 = 0xFA
    static let reset: UInt8 = 0xFB
    static let moveKey: UInt8 = 0xF6
}
