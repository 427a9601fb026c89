import DBus
import Testing

@Suite struct DBusValueTests {
    static let path: DBusObjectPath = "/org/pivlink/Echo"
    static let interfaceName = "org.pivlink.Echo1"

    /// Every type BlueZ uses, alone and nested, with edge values.
    static let samples: [DBusValue] = [
        .byte(0), .byte(255), .boolean(true), .boolean(false), .int16(.min), .uint16(.max), .int32(-7),
        .uint32(.max), .int64(.min), .uint64(.max), .double(-0.5), .double(.infinity), .string(""),
        .string("Grüße ✓"), .objectPath("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"), .objectPath(.root),
        .signature([.string, .dictionary(key: .string, value: .variant)]),
        .bytes([]), .bytes([0, 1, 0x7F, 0x80, 0xFF]), .bytes(Array(repeating: 0xA5, count: 512)),
        .strings([]), .strings(["read", "write-without-response", "notify"]),
        .objectPaths(["/app/service0", "/app/service0/char0"]),
        .variant(.uint16(517)), .variant(.variant(.string("nested"))),
        .structure([.byte(1), .byte(0x16), .bytes([0xFD, 0xFF])]),
        .array(.structure([.byte, .byte, .array(.byte)]), [.structure([.byte(0), .byte(0xFF), .bytes([1, 2])])]),
        .array(.array(.byte), [.bytes([1]), .bytes([])]),
        .variantDictionary([:]),
        .variantDictionary([
            "offset": .uint16(0), "mtu": .uint16(517), "device": .objectPath("/org/bluez/hci0/dev_00_AA"),
            "link": .string("LE"), "prepare-authorize": .boolean(true), "RSSI": .int16(-60),
            "TxPower": .int16(4), "Flags": .strings(["read"]), "Includes": .objectPaths([]),
            "Value": .bytes([1, 2, 3]), "Count": .uint32(1), "Big": .uint64(1 << 40), "Small": .int64(-1),
            "Options": .variantDictionary(["inner": .byte(1)]),
        ]),
        .dictionary(key: .uint16, value: .variant, [(.uint16(0x004C), .variant(.bytes([2, 21])))]),
        .dictionary(
            key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)),
            [
                (
                    .objectPath("/org/bluez/hci0"),
                    .dictionary(
                        key: .string, value: .dictionary(key: .string, value: .variant),
                        [
                            (.string("org.bluez.Adapter1"), .variantDictionary(["Powered": .boolean(true)])),
                            (.string("org.freedesktop.DBus.Properties"), .variantDictionary([:])),
                        ])
                ),
                (.objectPath("/org/bluez/hci1"), .dictionary(key: .string, value: .dictionary(key: .string, value: .variant), [])),
            ]),
    ]

    @Test func everyValueTypeSurvivesARoundTripThroughTheBus() throws {
        let fixture = try BusFixture()
        let methods = Self.samples.enumerated().map { index, sample in
            DBusMethod(
                "Echo\(index)", inputs: [DBusArgument("value", sample.type)], outputs: [DBusArgument("value", sample.type)]
            ) { call in call.reply(call.arguments) }
        }
        let object = try fixture.server.exportObject(
            at: Self.path, interfaces: [DBusInterface(Self.interfaceName, methods: methods)]
        )
        for (index, sample) in Self.samples.enumerated() {
            let result = try fixture.call(
                path: Self.path, interface: Self.interfaceName, member: "Echo\(index)", arguments: [sample]
            )
            #expect(try result?.get() == [sample], "sample \(index): \(sample.type)")
        }
        #expect(object.isExported)
    }

    @Test func valuesThatDoNotMatchTheirDeclaredTypesAreNotSent() throws {
        let fixture = try BusFixture()
        let invalid: [DBusValue] = [
            .array(.string, [.uint32(1)]),
            .array(.byte, [.uint16(1)]),
            .dictionaryEntry(.string("outside"), .byte(1)),
            .array(.dictionaryEntry(key: .string, value: .variant), [.dictionaryEntry(.string("k"), .byte(1))]),
        ]
        for value in invalid {
            do {
                try fixture.client.call(
                    destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                    interface: "org.freedesktop.DBus", member: "GetId", arguments: [value]
                ) { _ in Issue.record("a reply to a call that should not have been sent") }
                Issue.record("sent \(value)")
            } catch {
                #expect(error.code == .invalidArguments, "\(value)")
            }
        }
    }

    @Test func typesFollowTheValues() {
        #expect(DBusValue.variantDictionary([:]).type.signature == "a{sv}")
        #expect(DBusValue.structure([.byte(1), .strings([])]).type.signature == "(yas)")
        #expect(DBusValue.variant(.bytes([1])).type == .variant)
        #expect(DBusValue.array(.objectPath, []).type.signature == "ao")
    }

    @Test func accessorsReadTheirShapeAndNothingElse() {
        let options = DBusValue.variantDictionary(["mtu": .uint16(517), "link": .string("LE")])
        #expect(options.variantDictionary == ["mtu": .uint16(517), "link": .string("LE")])
        #expect(options.dictionaryEntries?.map(\.key) == [.string("link"), .string("mtu")])
        #expect(DBusValue.bytes([1, 2]).bytes == [1, 2])
        #expect(DBusValue.bytes([1, 2]).strings == nil)
        #expect(DBusValue.strings(["a"]).strings == ["a"])
        #expect(DBusValue.objectPaths(["/a"]).objectPaths == ["/a"])
        #expect(DBusValue.uint16(1).uint32 == nil)
        #expect(DBusValue.variant(.int16(-3)).variantContent?.int16 == -3)
        #expect(DBusValue.dictionary(key: .string, value: .string, []).variantDictionary == nil)
        #expect(DBusValue.structure([.byte(1)]).structureMembers == [.byte(1)])
        #expect(DBusValue.array(.double, [.double(1)]).arrayElements == [.double(1)])
    }
}
