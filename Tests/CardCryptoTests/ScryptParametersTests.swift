import CardCrypto
import Foundation
import Testing

@Suite struct ScryptParametersTests {
    @Test func presets() {
        #expect(ScryptParameters.interactive == ScryptParameters(logN: 15, r: 8, p: 1))
        #expect(ScryptParameters.testing == ScryptParameters(logN: 10, r: 8, p: 1))
    }

    @Test func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(ScryptParameters.interactive)
        #expect(try JSONDecoder().decode(ScryptParameters.self, from: data) == .interactive)
    }
}
