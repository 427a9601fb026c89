import BusTesting
import DBus
import EventLoop
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct DBusFileDescriptorTests {
    static let path: DBusObjectPath = "/app/service0/char0"
    static let interfaceName = "org.bluez.GattCharacteristic1"

    /// A SOCK_SEQPACKET pair, as BlueZ's AcquireWrite/AcquireNotify use.
    static func socketPair() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else {
            throw ChildProcess.Failure(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        return (ends[0], ends[1])
    }

    static func isOpen(_ fileDescriptor: Int32) -> Bool {
        fcntl(fileDescriptor, F_GETFD) >= 0
    }

    @Test func aReturnedDescriptorCarriesDatagramsToTheService() throws {
        let fixture = try BusFixture()
        var serviceEnd: Int32 = -1
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod(
                    "AcquireWrite", inputs: [DBusArgument("options", .dictionary(key: .string, value: .variant))],
                    outputs: [DBusArgument("fd", .unixFileDescriptor), DBusArgument("mtu", .uint16)]
                ) { call throws(DBusError) in
                    let ends: (Int32, Int32)
                    do {
                        ends = try Self.socketPair()
                    } catch {
                        throw DBusError(.failed, "\(error)")
                    }
                    serviceEnd = ends.0
                    let mtu = call.arguments[0].variantDictionary?["mtu"]?.uint16 ?? 23
                    // The value owns the other end and closes it once the reply holds its duplicate.
                    call.reply([.fileDescriptor(DBusFileDescriptor(taking: ends.1)), .uint16(mtu)])
                }
            ])
        defer { close(serviceEnd) }
        let result = try fixture.call(
            path: Self.path, interface: Self.interfaceName, member: "AcquireWrite",
            arguments: [.variantDictionary(["mtu": .uint16(517)])]
        )
        let values = try #require(try result?.get())
        #expect(values.count == 2)
        #expect(values.last == .uint16(517))
        let received = try #require(values.first?.fileDescriptor)
        #expect(fcntl(received.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        for datagram: [UInt8] in [[0x83, 1, 0, 2, 0xAA, 0xBB], [0x00, 0xCC]] {
            #expect(write(received.rawValue, datagram, datagram.count) == datagram.count)
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = read(serviceEnd, &buffer, buffer.count)
            #expect(Array(buffer.prefix(max(0, count))) == datagram)
        }
        #expect(object.isExported)
    }

    @Test func aDescriptorSentAsAnArgumentReachesTheHandler() throws {
        let fixture = try BusFixture()
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod("Greet", inputs: [DBusArgument("fd", .unixFileDescriptor)]) { call in
                    if let descriptor = call.arguments.first?.fileDescriptor {
                        _ = write(descriptor.rawValue, "hi", 2)
                    }
                    call.reply()
                }
            ])
        let (ours, theirs) = try Self.socketPair()
        defer { close(ours) }
        let sent = DBusFileDescriptor(taking: theirs)
        let result = try fixture.call(
            path: Self.path, interface: Self.interfaceName, member: "Greet", arguments: [.fileDescriptor(sent)]
        )
        #expect(try result?.get() == [])
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(ours, &buffer, buffer.count) == 2)
        #expect(Array(buffer.prefix(2)) == Array("hi".utf8))
        // Sending duplicated the descriptor: ours is still open.
        #expect(Self.isOpen(sent.rawValue))
        #expect(object.isExported)
    }

    @Test func theOwnerClosesItsDescriptorWhenReleased() throws {
        let (first, second) = try Self.socketPair()
        defer { close(first) }
        var owner: DBusFileDescriptor? = DBusFileDescriptor(taking: second)
        let duplicate = try #require(try owner?.duplicate())
        defer { close(duplicate) }
        #expect(duplicate != second)
        #expect(fcntl(duplicate, F_GETFD) & FD_CLOEXEC != 0)
        owner = nil
        #expect(!Self.isOpen(second))
        #expect(Self.isOpen(duplicate))
        let copy = try DBusFileDescriptor(duplicating: first)
        #expect(copy.rawValue != first && Self.isOpen(copy.rawValue))
        #expect(throws: DBusError.self) { try DBusFileDescriptor(duplicating: -1) }
    }
}
