import Pairing
import Testing

@Suite struct AdvertisingSlotTests {
    @Test func slotsAreTenMinutesOfUnixTime() {
        #expect(AdvertisingSlot(unixTime: 0).index == 0)
        #expect(AdvertisingSlot(unixTime: 599).index == 0)
        #expect(AdvertisingSlot(unixTime: 600).index == 1)
        // 2026-11-29 12:00:00 UTC.
        #expect(AdvertisingSlot(unixTime: 1_795_953_600).index == 2_993_256)
        #expect(AdvertisingSlot(unixTime: -5).index == 0)
        #expect(AdvertisingSlot(unixTime: .max).index == UInt64(Int64.max / 600))
    }
}
