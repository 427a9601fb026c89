import BlueZ
import DBus
import Testing

@Suite struct BlueZDiscoveryFilterTests {
    @Test func onlyTheSetFieldsGoOut() {
        #expect(BlueZDiscoveryFilter().dictionary.variantDictionary == [:])
        let filter = BlueZDiscoveryFilter(
            uuids: ["898a0001-6249-4f6c-b878-318bb3580b9c"], rssi: -80, transport: .le, duplicateData: false, pattern: "00:AA")
        #expect(filter.dictionary.variantDictionary == [
            "UUIDs": .strings(["898a0001-6249-4f6c-b878-318bb3580b9c"]), "RSSI": .int16(-80), "Transport": .string("le"),
            "DuplicateData": .boolean(false), "Pattern": .string("00:AA"),
        ])
        #expect(filter.dictionary.type.signature == "a{sv}")
    }
}
