import Noise

/// The other patterns the vector file covers, written from rev 34 §7.4, §7.5 and §9.4, so that the vectors
/// exercise HandshakeState over more than IK (and MixKeyAndHash through `psk`).
extension HandshakePattern {
    static let NN = HandshakePattern(name: "NN", messagePatterns: [[.e], [.e, .ee]])
    static let KK = HandshakePattern(
        name: "KK", initiatorPreMessage: [.s], responderPreMessage: [.s],
        messagePatterns: [[.e, .es, .ss], [.e, .ee, .se]]
    )
    static let XX = HandshakePattern(name: "XX", messagePatterns: [[.e], [.e, .ee, .s, .es], [.s, .se]])
    static let NNpsk0 = HandshakePattern(name: "NNpsk0", messagePatterns: [[.psk, .e], [.e, .ee]])
    static let XXpsk3 = HandshakePattern(
        name: "XXpsk3", messagePatterns: [[.e], [.e, .ee, .s, .es], [.s, .se, .psk]]
    )
    static let KKpsk0 = HandshakePattern(
        name: "KKpsk0", initiatorPreMessage: [.s], responderPreMessage: [.s],
        messagePatterns: [[.psk, .e, .es, .ss], [.e, .ee, .se]]
    )
    static let KKpsk2 = HandshakePattern(
        name: "KKpsk2", initiatorPreMessage: [.s], responderPreMessage: [.s],
        messagePatterns: [[.e, .es, .ss], [.e, .ee, .se, .psk]]
    )

    static let vectorPatterns: [HandshakePattern] = [.NN, .KK, .IK, .XX, .NNpsk0, .XXpsk3, .KKpsk0, .KKpsk2]
}
