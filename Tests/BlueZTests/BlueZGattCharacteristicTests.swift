import BlueZ
import DBus
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The central's remote characteristic against the emulator and a `TestPeripheral`.
@Suite(.serialized) struct BlueZGattCharacteristicTests {
    @Test func readAndWriteReachTheApplicationWithDeviceAndMTU() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        let info = try fixture.remote(mirror, TestPeripheral.info)
        #expect(try fixture.wait("ReadValue") { try info.readValue(reply: $0) } == TestPeripheral.infoValue)
        let request = try fixture.remote(mirror, TestPeripheral.request)
        try fixture.wait("WriteValue") { try request.writeValue([0x83, 1, 0, 0], type: .command, reply: $0) }
        try fixture.wait("WriteValue") { try request.writeValue([0x81, 2, 0, 0], type: .request, reply: $0) }
        try fixture.expect("two writes") { peripheral.writes.count == 2 }
        #expect(peripheral.writes.map(\.value) == [[0x83, 1, 0, 0], [0x81, 2, 0, 0]])
        let options = try #require(peripheral.writes.first?.options)
        #expect(options.device == EmulatorFixture.centralDevice)
        #expect(options.mtu == 517)
        #expect(options.link == "LE")
        let properties = try fixture.wait("GetAll") { try request.properties(reply: $0) }
        #expect(properties.mtu == 517)
        #expect(properties.uuid == TestPeripheral.request)
    }

    @Test func anApplicationErrorReachesTheCentralAsATTError() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture, requestFlags: ["write"])
        peripheral.writeAnswer = .failure(BlueZError(.failed, "0x80"))
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        let request = try fixture.remote(mirror, TestPeripheral.request)
        let result = try fixture.outcome("WriteValue") { try request.writeValue([1, 2, 3, 4], type: .request, reply: $0) }
        #expect(result.failure?.code == .failed)
        #expect(result.failure?.detail.contains("0x80") == true)
        peripheral.writeAnswer = .failure(BlueZError(.notPermitted, "busy: another station is connected"))
        let refused = try fixture.outcome("WriteValue") { try request.writeValue([1, 2, 3, 4], type: .request, reply: $0) }
        #expect(refused.failure?.code == .notPermitted)
    }

    @Test func notificationsArriveAsValueChangesCutToMTUMinus3() throws {
        let fixture = try EmulatorFixture()
        try fixture.control("SetMTU", [.uint16(23)])
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        let response = try fixture.remote(mirror, TestPeripheral.response)
        var values: [[UInt8]] = []
        var installed: Result<Void, BlueZError>?
        let watch = try response.watchValue(installed: { installed = $0 }) { values.append($0) }
        try fixture.expect("the match") { installed != nil }
        try fixture.wait("StartNotify") { try response.startNotify(reply: $0) }
        try fixture.expect("StartNotify at the application") { peripheral.notifyStarts == 1 }
        try peripheral.responseCharacteristic.notify(Array(0..<20))
        try peripheral.responseCharacteristic.notify(Array(0..<40))
        try fixture.expect("two notifications") { values.count == 2 }
        #expect(values == [Array(0..<20), Array(0..<20)])
        try fixture.wait("StopNotify") { try response.stopNotify(reply: $0) }
        try fixture.expect("StopNotify at the application") { peripheral.notifyStops == 1 }
        watch.cancel()
    }

    @Test func acquiredSocketsCarryWritesAndNotifications() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        let request = try fixture.remote(mirror, TestPeripheral.request)
        let response = try fixture.remote(mirror, TestPeripheral.response)
        let writeSocket = try fixture.wait("AcquireWrite") { try request.acquireWrite(reply: $0) }
        #expect(writeSocket.mtu == 517)
        let notifySocket = try fixture.wait("AcquireNotify") { try response.acquireNotify(reply: $0) }
        var notified: [[UInt8]] = []
        var notifyClosed = false
        let notifications = try BlueZDatagramSocket(
            notifySocket.fileDescriptor, loop: fixture.loop, onDatagram: { notified.append($0) }, onClose: { notifyClosed = true })
        var writeClosed = false
        let writes = try BlueZDatagramSocket(
            writeSocket.fileDescriptor, loop: fixture.loop, onDatagram: { _ in }, onClose: { writeClosed = true })
        try writes.send([0x81, 1, 0, 1, 0xAA])
        try fixture.expect("the write at the application") { peripheral.writes.count == 1 }
        #expect(peripheral.writes.first?.value == [0x81, 1, 0, 1, 0xAA])
        let held = try fixture.outcome("WriteValue") { try request.writeValue([1], type: .command, reply: $0) }
        #expect(held.failure?.code == .notPermitted)
        try fixture.expect("the subscription at the application") { peripheral.notifyStarts == 1 }
        try peripheral.responseCharacteristic.notify([0x91, 1, 0, 1, 0xAA])
        try fixture.expect("the notification on the socket") { notified.count == 1 }
        #expect(notified == [[0x91, 1, 0, 1, 0xAA]])
        try fixture.wait("Disconnect") { try fixture.peripheralDevice.disconnect(reply: $0) }
        try fixture.expect("both sockets to hang up") { notifyClosed && writeClosed }
        let after = try fixture.outcome("ReadValue") { try request.readValue(reply: $0) }
        #expect(after.failure?.code == .failed)
        // Both sockets must stay registered on the loop until here, the hang-ups included.
        withExtendedLifetime((notifications, writes)) {}
    }
}
