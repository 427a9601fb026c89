import DBus
import Testing

@Suite struct DBusTypeTests {
    @Test(arguments: [
        "", "y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g", "h", "v", "ay", "as", "ao", "a{sv}",
        "a{qv}", "a{oa{sa{sv}}}", "(yyay)", "a(yyay)", "sa{sv}as", "aay", "(i(s(v)))", "a{ya{sv}}",
    ])
    func signaturesParseAndPrintBack(signature: String) throws {
        let types = try DBusType.parse(signature: signature)
        #expect(types.map(\.signature).joined() == signature)
    }

    @Test func parsingBuildsTheNestedTypes() throws {
        #expect(
            try DBusType(signature: "a{oa{sa{sv}}}")
                == .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)))
        )
        #expect(try DBusType.parse(signature: "(yq)h") == [.structure([.byte, .uint16]), .unixFileDescriptor])
    }

    @Test(arguments: [
        "a", "(", "()", "(i", "i)", "{sv}", "a{vs}", "a{(i)s}", "a{s}", "a{svs}", "a{sv", "z", "a{ayi}",
        String(repeating: "a", count: 33) + "i", String(repeating: "(", count: 33) + "i" + String(repeating: ")", count: 33),
        String(repeating: "i", count: 256),
    ])
    func invalidSignaturesAreRejected(signature: String) {
        #expect(throws: DBusError.self) { try DBusType.parse(signature: signature) }
        do {
            _ = try DBusType.parse(signature: signature)
        } catch {
            #expect(error.code == .invalidArguments)
        }
    }

    @Test func aSingleTypeMustBeExactlyOne() {
        #expect(throws: DBusError.self) { try DBusType(signature: "ii") }
        #expect(throws: DBusError.self) { try DBusType(signature: "") }
    }

    @Test func onlyBasicTypesAreBasic() {
        #expect(DBusType.string.isBasic)
        #expect(DBusType.unixFileDescriptor.isBasic)
        #expect(!DBusType.variant.isBasic)
        #expect(!DBusType.array(.byte).isBasic)
        #expect(!DBusType.structure([.byte]).isBasic)
    }
}
