import BlueZ
import BusTesting
import DBus
import EventLoop
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BlueZDatagramSocketTests {
    @Test func datagramsKeepTheirBoundariesBothWays() throws {
        let loop = try EventLoop()
        let (left, right) = try TestPeripheral.socketPair()
        var atLeft: [[UInt8]] = [], atRight: [[UInt8]] = []
        let a = try BlueZDatagramSocket(left, loop: loop, onDatagram: { atLeft.append($0) }, onClose: {})
        let b = try BlueZDatagramSocket(right, loop: loop, onDatagram: { atRight.append($0) }, onClose: {})
        try a.send([1, 2, 3])
        try a.send(Array(repeating: 7, count: 512))
        try b.send([9])
        #expect(loop.run(until: { atRight.count == 2 && atLeft.count == 1 }))
        #expect(atRight == [[1, 2, 3], Array(repeating: 7, count: 512)])
        #expect(atLeft == [[9]])
    }

    @Test func aFullSocketQueuesInOrder() throws {
        let loop = try EventLoop()
        let (left, right) = try TestPeripheral.socketPair()
        var received: [[UInt8]] = []
        let sender = try BlueZDatagramSocket(left, loop: loop, onDatagram: { _ in }, onClose: {})
        // Far more than a socket buffer holds at once: the rest waits for the reader.
        let count = 5000
        for index in 0..<count {
            try sender.send([UInt8(index & 0xFF), UInt8(index >> 8)] + Array(repeating: 0, count: 100))
        }
        let receiver = try BlueZDatagramSocket(right, loop: loop, onDatagram: { received.append($0) }, onClose: {})
        #expect(loop.run(until: { received.count == count }))
        #expect(received.enumerated().allSatisfy { $0.element[0] == UInt8($0.offset & 0xFF) && $0.element[1] == UInt8($0.offset >> 8) })
        withExtendedLifetime(receiver) {}
    }

    @Test func aHangUpClosesOnceAndSendingAfterwardsFails() throws {
        let loop = try EventLoop()
        let (left, right) = try TestPeripheral.socketPair()
        var closes = 0
        let socket = try BlueZDatagramSocket(left, loop: loop, onDatagram: { _ in }, onClose: { closes += 1 })
        shutdown(right.rawValue, Int32(SHUT_RDWR))
        #expect(loop.run(until: { closes == 1 }))
        #expect(!socket.isOpen)
        #expect(throws: BlueZError.self) { try socket.send([1]) }
    }
}
