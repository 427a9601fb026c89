import BlueZ
import Testing

@Suite struct BluetoothUUIDTests {
    @Test func shortFormsExpandOntoTheBaseUUID() {
        #expect(parse("180F")?.rawValue == "0000180f-0000-1000-8000-00805f9b34fb")
        #expect(parse("0000180f")?.rawValue == "0000180f-0000-1000-8000-00805f9b34fb")
        #expect(parse("180f") == parse("0000180F-0000-1000-8000-00805F9B34FB"))
    }

    @Test func fullFormsAreLowercased() {
        #expect(parse("898A0001-6249-4F6C-B878-318BB3580B9C")?.rawValue == "898a0001-6249-4f6c-b878-318bb3580b9c")
    }

    @Test(arguments: ["", "18f", "180g", "0000180f-0000-1000-8000-00805f9b34f", "0000180f00001000800000805f9b34fb00",
                      "0000180f-0000-1000-8000_00805f9b34fb", "0000180f-00001-000-8000-00805f9b34fb", "٠٠٠٠"])
    func malformedTextIsNoUUID(_ text: String) {
        #expect(BluetoothUUID(text) == nil)
    }

    /// The failable init, not the literal one a string literal would pick.
    private func parse(_ text: String) -> BluetoothUUID? {
        BluetoothUUID(text)
    }
}
