/// Why the benchmark could not run or could not trust what it measured.
struct BenchError: Error, CustomStringConvertible {
    enum Code: Sendable {
        /// The PC/SC service, the reader or the card could not be reached.
        case pcsc
        /// The card answered a setup or sign command with something other than success.
        case card
        /// A key could not be made, encoded or used by CardCrypto.
        case key
        /// The three paths disagree: a result does not check against the key.
        case mismatch
        /// The in-process link between the station's and the card's machines failed (`pivlink-bench channel`).
        case link
    }

    let code: Code
    let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    var description: String { detail }
}
