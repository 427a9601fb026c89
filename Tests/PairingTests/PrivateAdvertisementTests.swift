import Pairing
import PivlinkTesting
import Testing

@Suite struct PrivateAdvertisementTests {
    static let token = try! AdvertisingToken(bytes: hex("61ffdd2a584f01c7bdcd"))

    @Test func theAdvertisementIsTheDocumentedThirtyOneBytes() {
        let data = PrivateAdvertisement.advertisingData(Self.token)
        #expect(data == hex("""
            02 01 06
            1B 21 9C 0B 58 B3 8B 31 78 B8 6C 4F 49 62 01 00 8A 89
            61 FF DD 2A 58 4F 01 C7 BD CD
            """))
        #expect(data.count == PrivateAdvertisement.maximumLength)
    }

    @Test func theBudgetLeavesTenBytesForTheToken() {
        // flags (length, type, value) + service data (length, type, 128-bit UUID) + token = 31.
        let flags = 3
        let serviceDataHeader = 1 + 1 + 16
        #expect(flags + serviceDataHeader + AdvertisingToken.byteCount == PrivateAdvertisement.maximumLength)
        // A separate 128-bit UUID list (18) with a 16-bit service data header (4) would leave 6, under the 8 wanted.
        #expect(PrivateAdvertisement.maximumLength - flags - 18 - 4 < 8)
    }

    @Test func theUUIDBytesAreTheServiceUUIDLittleEndian() {
        let data = PrivateAdvertisement.advertisingData(Self.token)
        let bigEndian = hex(PrivateAdvertisement.serviceUUID.replacingOccurrences(of: "-", with: ""))
        #expect(Array(data[5..<21]) == bigEndian.reversed())
    }

    @Test func readsTheTokenBack() throws {
        #expect(try PrivateAdvertisement.token(inAdvertisingData: PrivateAdvertisement.advertisingData(Self.token)) == Self.token)
        // Another structure (TX power) in place of the flags.
        let other = hex("02 0A 00") + PrivateAdvertisement.advertisingData(Self.token).dropFirst(3)
        #expect(try PrivateAdvertisement.token(inAdvertisingData: other) == Self.token)
        // A zero length ends the data: what follows it is not read.
        #expect(try PrivateAdvertisement.token(inAdvertisingData: hex("02 01 06 00 1B 21")) == nil)
    }

    @Test func otherDevicesAdvertisementsCarryNoToken() throws {
        #expect(try PrivateAdvertisement.token(inAdvertisingData: []) == nil)
        // A 128-bit UUID list naming the pivlink service is not service data.
        #expect(try PrivateAdvertisement.token(inAdvertisingData: hex("02 01 06 11 07 9C 0B 58 B3 8B 31 78 B8 6C 4F 49 62 01 00 8A 89")) == nil)
        // Service data of another 128-bit UUID.
        #expect(try PrivateAdvertisement.token(inAdvertisingData: hex("02 01 06 1B 21 9D 0B 58 B3 8B 31 78 B8 6C 4F 49 62 01 00 8A 89 61 FF DD 2A 58 4F 01 C7 BD CD")) == nil)
    }

    @Test func malformedAdvertisingDataIsRefused() {
        let valid = PrivateAdvertisement.advertisingData(Self.token)
        let cases: [[UInt8]] = [
            valid + [0],                                      // 32 bytes
            Array(valid.dropLast()),                          // the service data runs past the end
            hex("02 01"),                                     // the flags run past the end
            Array(valid.prefix(3)) + [0x1A] + valid[4..<30],  // a 9-byte token
            hex("02 01 06 12 21 9C 0B 58 B3 8B 31 78 B8 6C 4F 49 62 01 00 8A 89 61"),  // a 1-byte token
        ]
        for data in cases {
            #expect(thrownCode { try PrivateAdvertisement.token(inAdvertisingData: data) } == .invalidAdvertisement, "\(hexString(data))")
        }
    }

    @Test func aTokenIsExactlyTenBytes() {
        for count in [0, 8, 9, 11, 16] {
            #expect(thrownCode { try AdvertisingToken(bytes: [UInt8](repeating: 0, count: count)) } == .invalidAdvertisement)
        }
    }
}
