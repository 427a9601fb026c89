import BlueZ
import DBus
import Testing

/// The peripheral side: registration and the application's Acquire* handlers, with the emulator as bluetoothd.
@Suite(.serialized) struct GattApplicationTests {
    @Test func theTreeHasTheDeclaredObjects() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        #expect(peripheral.application.characteristics.map(\.path) == [
            "/org/example/app/service0/char0", "/org/example/app/service0/char1", "/org/example/app/service0/char2",
        ])
        let objects = try fixture.wait("GetManagedObjects") { done in
            try fixture.stationConnection.call(
                destination: try fixture.cardConnection.uniqueName(), path: TestPeripheral.applicationPath,
                interface: "org.freedesktop.DBus.ObjectManager", member: "GetManagedObjects"
            ) { done($0.mapError(BlueZError.init)) }
        }
        let tree = try BlueZObjectTree(managedObjects: objects)
        #expect(tree.properties(at: "/org/example/app/service0", interface: BlueZNames.gattService)?["Primary"] == .boolean(true))
        let request = try #require(tree.properties(at: "/org/example/app/service0/char0", interface: BlueZNames.gattCharacteristic))
        #expect(request["Flags"] == .strings(["write", "write-without-response"]))
        #expect(request["Service"] == .objectPath("/org/example/app/service0"))
        #expect(request["WriteAcquired"] == nil)
    }

    @Test func registeringTwiceIsAlreadyExistsAndUnregisteringTwiceDoesNotExist() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let again = try fixture.outcome("RegisterApplication") {
            try peripheral.adapter.registerApplication(TestPeripheral.applicationPath, reply: $0)
        }
        #expect(again.failure?.code == .alreadyExists)
        try fixture.wait("UnregisterApplication") { try peripheral.adapter.unregisterApplication(TestPeripheral.applicationPath, reply: $0) }
        let twice = try fixture.outcome("UnregisterApplication") {
            try peripheral.adapter.unregisterApplication(TestPeripheral.applicationPath, reply: $0)
        }
        #expect(twice.failure?.code == .doesNotExist)
    }

    @Test func acquiredWritesAndNotificationsGoThroughTheApplicationsSockets() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture, acquired: true)
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        let request = try fixture.remote(mirror, TestPeripheral.request)
        let response = try fixture.remote(mirror, TestPeripheral.response)
        var values: [[UInt8]] = []
        var installed: Result<Void, BlueZError>?
        let watch = try response.watchValue(installed: { installed = $0 }) { values.append($0) }
        try fixture.expect("the match") { installed != nil }
        try fixture.wait("StartNotify") { try response.startNotify(reply: $0) }
        try fixture.expect("AcquireNotify at the application") { peripheral.notifySocket != nil }
        #expect(peripheral.notifyStarts == 0)
        try fixture.wait("WriteValue") { try request.writeValue([0x83, 1, 0, 0], type: .command, reply: $0) }
        try fixture.expect("the write on the acquired socket") { peripheral.writes.count == 1 }
        #expect(peripheral.writes.first?.value == [0x83, 1, 0, 0])
        #expect(peripheral.writeSocket != nil)
        #expect(peripheral.acquireOptions.allSatisfy { $0.device == EmulatorFixture.centralDevice && $0.mtu == 517 })
        #expect(peripheral.application.characteristic(TestPeripheral.request)?.writeAcquired == true)
        try #require(peripheral.notifySocket).send([0x93, 1, 0, 2, 0x3B, 0x00])
        try fixture.expect("the notification at the central") { values.count == 1 }
        #expect(values == [[0x93, 1, 0, 2, 0x3B, 0x00]])
        try fixture.control("Disconnect")
        try fixture.expect("the notify socket to hang up") { peripheral.notifySocketClosed }
        watch.cancel()
    }
}
