import APDU

/// SELECT, GET DATA and PUT DATA (SP 800-73-5 pt2 §3.1.1, §3.1.2, §3.3.2).
extension PIVCard {
    /// The application property template: PIX with version, the RID as coexistent tag allocation authority,
    /// a label, and the algorithms offered. No 27/2E in AC: OpenSC would start secure messaging.
    static let applicationPropertyTemplate: [UInt8] = TLV(0x61, children: [
        TLV(0x4F, Array(ObjectTemplates.pivAID[5...])),
        TLV(0x79, children: [TLV(0x4F, Array(ObjectTemplates.pivAID[0..<5]))]),
        TLV(0x50, Array("pivlink".utf8)),
        TLV(0xAC, children: [0x07, 0x05, 0x11, 0x14].map { TLV(0x80, [$0]) } + [TLV(0x06, [])]),
    ]).encoded

    /// Answers the full PIV AID and any right-truncation down to the 5-byte RID (libykpiv selects the RID
    /// alone). Any other AID fails with 6A82 and leaves PIV selected and the security state as it was.
    func select(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x04 else { return ResponseAPDU(.incorrectP1P2) }
        let aid = command.data
        guard aid.count >= 5, ObjectTemplates.pivAID.starts(with: aid) else { return ResponseAPDU(.fileNotFound) }
        switch command.p2 {
        case 0x00: return ResponseAPDU(data: Self.applicationPropertyTemplate, status: .success)
        case 0x0C: return ResponseAPDU(.success)
        default: return ResponseAPDU(.incorrectP1P2)
        }
    }

    func getData(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x3F, command.p2 == 0xFF else { return ResponseAPDU(.incorrectP1P2) }
        guard let tag = Self.objectTag(inTagList: command.data) else { return ResponseAPDU(.incorrectData) }
        if DataObject.pinProtected.contains(tag), !security.pinVerified {
            return ResponseAPDU(.securityStatusNotSatisfied)
        }
        guard let value = objectValue(tag) else { return ResponseAPDU(.fileNotFound) }
        return ResponseAPDU(data: TLV(DataObject.responseTag(for: tag), value).encoded, status: .success)
    }

    /// PUT DATA takes `5C tag 53 value`, or Discovery and the BIT group template as their own TLV. An empty
    /// value deletes the object.
    func putData(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x3F, command.p2 == 0xFF else { return ResponseAPDU(.incorrectP1P2) }
        guard security.managementKeyAuthenticated else { return ResponseAPDU(.securityStatusNotSatisfied) }
        guard let items = try? TLV.parseSequence(command.data) else { return ResponseAPDU(.incorrectData) }
        let tag: UInt32
        let value: [UInt8]
        switch items.map(\.tag) {
        case [DataObject.discovery], [DataObject.biometricGroupTemplate]:
            (tag, value) = (items[0].tag, items[0].value)
        case [0x5C, 0x53]:
            guard let named = Self.objectTag(inTagList: items[0].encoded) else { return ResponseAPDU(.incorrectData) }
            (tag, value) = (named, items[1].value)
        default:
            return ResponseAPDU(.incorrectData)
        }
        guard DataObject.isWritable(tag) else { return ResponseAPDU(.incorrectData) }
        guard value.count <= DataObject.maximumSize else { return ResponseAPDU(.notEnoughMemory) }
        var next = state
        next.objects[tag] = value.isEmpty ? nil : value
        next.version += 1
        return commit(next) ? ResponseAPDU(.success) : ResponseAPDU(.memoryFailure)
    }

    /// The tag named by a tag list `5C len tag` of one to three bytes.
    static func objectTag(inTagList bytes: [UInt8]) -> UInt32? {
        guard let items = try? TLV.parseSequence(bytes), items.count == 1, items[0].tag == 0x5C,
              (1...3).contains(items[0].value.count)
        else { return nil }
        return items[0].value.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A stored object, or the Key History the card keeps up to date itself until an issuer writes one.
    func objectValue(_ tag: UInt32) -> [UInt8]? {
        if let stored = state.objects[tag] { return stored }
        guard tag == DataObject.keyHistory else { return nil }
        // OpenSC reads retired certificates 5FC10D… up to the count of keys with on-card certificates.
        let lastPresent = KeySlot.retired.lastIndex { state.objects[$0.certificateObject] != nil }
        return ObjectTemplates.keyHistory(onCardCertificates: lastPresent.map { $0 + 1 } ?? 0)
    }
}
