import Testing
@testable import APDU

struct ResponseChainerTests {
    @Test func longAnswersComeIn256BytePiecesWith61xx() {
        var chainer = ResponseChainer()
        let data = (0..<600).map { UInt8($0 & 0xFF) }
        let first = chainer.begin(ResponseAPDU(data: data, status: .success), le: 8)
        #expect(first.data == Array(data[0..<256]))
        #expect(first.status == .bytesRemaining(344))
        #expect(first.status.value == 0x6100)
        let second = chainer.getResponse(le: 256)
        #expect(second?.status == StatusWord(0x6158))
        let third = chainer.getResponse(le: 0x58)
        #expect(third == ResponseAPDU(data: Array(data[512...]), status: .success))
        #expect(chainer.getResponse(le: nil) == nil)
    }

    @Test func extendedLeTakesTheWholeAnswer() {
        var chainer = ResponseChainer()
        let data = [UInt8](repeating: 9, count: 1000)
        #expect(chainer.begin(ResponseAPDU(data: data, status: .success), le: 65536) == ResponseAPDU(data: data, status: .success))
        #expect(!chainer.hasPending)
    }

    @Test func shortAnswersPassThroughWithTheirStatus() {
        var chainer = ResponseChainer()
        #expect(chainer.begin(ResponseAPDU(.fileNotFound), le: nil) == ResponseAPDU(.fileNotFound))
        #expect(!chainer.hasPending)
    }
}
