/// Carries one command APDU to a card and brings its response back, as bytes.
protocol CardTransport: AnyObject {
    func transmit(_ command: [UInt8]) throws -> [UInt8]
}
