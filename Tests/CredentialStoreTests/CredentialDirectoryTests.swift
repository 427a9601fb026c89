import CardCrypto
import Foundation
import Glibc
import Testing

@testable import CredentialStore

@Suite struct CredentialDirectoryTests {
    private let payload = Array("card state: PIN retries 3, PUK retries 3".utf8)
    private let updated = Array("card state: PIN retries 2, PUK retries 3".utf8)
    private let storeFiles: Set<String> = ["credential", "store-key.cred", "lock"]

    private func create(
        _ fixture: StoreFixture,
        _ payload: [UInt8],
        force: Bool = false,
        sealer: some StoreKeySealer
    ) throws -> CredentialDirectory {
        try CredentialDirectory.create(
            at: fixture.storePath,
            payload: payload,
            force: force,
            sealer: sealer,
            random: SystemRandom()
        )
    }

    private func open(
        _ fixture: StoreFixture,
        _ access: CredentialDirectory.Access,
        sealer: some StoreKeySealer
    ) throws -> CredentialDirectory {
        try CredentialDirectory.open(at: fixture.storePath, access: access, sealer: sealer)
    }

    // MARK: round trips

    @Test func createThenOpenRoundTripsThroughSystemdCreds() throws {
        let fixture = try StoreFixture()
        do {
            let created = try create(fixture, payload, sealer: fixture.sealer)
            #expect(created.payload == payload)
            #expect(created.access == .readWrite)
            #expect(created.path == fixture.storePath)
        }
        #expect(try fixture.names() == storeFiles)
        let credential = try fixture.bytes("credential")
        #expect(Array(credential.prefix(12)) == Array("PIVLINK".utf8) + [0, 0x00, 0x01, 0x00, 0x00])
        #expect(!contains(credential, payload))

        let reader = try open(fixture, .readOnly, sealer: fixture.sealer)
        #expect(reader.payload == payload)
        #expect(reader.access == .readOnly)
        let writer = try open(fixture, .readWrite, sealer: fixture.sealer)
        #expect(writer.payload == payload)
    }

    @Test func filesArePrivateEvenInAWiderExistingDirectory() throws {
        let fixture = try StoreFixture()
        #expect(mkdir(fixture.storePath, 0o755) == 0)
        #expect(chmod(fixture.storePath, 0o755) == 0)
        let store = try create(fixture, payload, sealer: RecordingSealer())
        try store.write(updated)
        #expect(fixture.mode("") == 0o700)
        for name in storeFiles {
            #expect(fixture.mode(name) == 0o600, "\(name)")
        }
    }

    @Test(arguments: [0, 1, CredentialDirectory.maximumPayloadLength])
    func payloadsUpToTheLimitRoundTrip(length: Int) throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        let large = SystemRandom().bytes(length)
        do { _ = try create(fixture, large, sealer: sealer) }
        #expect(try open(fixture, .readOnly, sealer: sealer).payload == large)
    }

    @Test func payloadsOverTheLimitAreRefused() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        let tooLarge = [UInt8](repeating: 0x5A, count: CredentialDirectory.maximumPayloadLength + 1)
        let refusedCreate = #expect(throws: CredentialStoreError.self) {
            try create(fixture, tooLarge, sealer: sealer)
        }
        #expect(refusedCreate?.code == .payloadTooLarge)
        #expect(!FileManager.default.fileExists(atPath: fixture.storePath))

        let store = try create(fixture, payload, sealer: sealer)
        let refusedWrite = #expect(throws: CredentialStoreError.self) { try store.write(tooLarge) }
        #expect(refusedWrite?.code == .payloadTooLarge)
        #expect(store.payload == payload)
    }

    // MARK: writes

    @Test func writeReplacesTheFileByRenameAndLeavesNothingBehind() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        let store = try create(fixture, payload, sealer: sealer)
        let keyBefore = try fixture.bytes("store-key.cred")
        let inodeBefore = try inode(fixture.file("credential"))

        try store.write(updated)

        #expect(store.payload == updated)
        #expect(try fixture.names() == storeFiles)
        #expect(try inode(fixture.file("credential")) != inodeBefore)
        #expect(try fixture.bytes("store-key.cred") == keyBefore)
        #expect(try open(fixture, .readOnly, sealer: sealer).payload == updated)
        withExtendedLifetime(store) {}
    }

    @Test func aReadOnlyHandleCannotWrite() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        let before = try fixture.snapshot()
        let reader = try open(fixture, .readOnly, sealer: sealer)
        let error = #expect(throws: CredentialStoreError.self) { try reader.write(updated) }
        #expect(error?.code == .readOnly)
        #expect(reader.payload == payload)
        #expect(try fixture.snapshot() == before)
    }

    /// The state a writer leaves when it dies after fsyncing `credential.new` but before renaming it:
    /// the old `credential` and a complete `credential.new` beside it.
    @Test func aWriteInterruptedBeforeItsRenameLeavesThePreviousPayload() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        let previous: [UInt8]
        let next: [UInt8]
        do {
            let store = try create(fixture, payload, sealer: sealer)
            previous = try fixture.bytes("credential")
            try store.write(updated)
            next = try fixture.bytes("credential")
        }
        try fixture.overwrite("credential", with: previous)
        try fixture.overwrite("credential.new", with: next)

        #expect(try open(fixture, .readOnly, sealer: sealer).payload == payload)
        #expect(try fixture.bytes("credential.new") == next, "a reader must not touch the writer's files")

        let writer = try open(fixture, .readWrite, sealer: sealer)
        #expect(writer.payload == payload)
        #expect(try fixture.names() == storeFiles)
    }

    /// An interrupted first `create` renamed the key file but not the credential: there is no store yet.
    @Test func anInterruptedFirstCreateLeavesNoStore() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        #expect(mkdir(fixture.storePath, 0o700) == 0)
        try fixture.overwrite("store-key.cred", with: try sealer.seal(SystemRandom().bytes(StoreKey.sealedLength)))
        try fixture.overwrite("credential.new", with: [1, 2, 3])

        #expect(!CredentialDirectory.exists(at: fixture.storePath))
        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(error?.code == .notFound)

        let store = try create(fixture, payload, sealer: sealer)
        #expect(store.payload == payload)
        #expect(try fixture.names() == storeFiles)
    }

    /// An interrupted `create(force: true)` renamed the new key file but not the new credential.
    @Test func anInterruptedReCreationIsReportedAsKeyMismatch() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        let oldCredential = try fixture.bytes("credential")
        do { _ = try create(fixture, updated, force: true, sealer: sealer) }
        try fixture.overwrite("credential", with: oldCredential)

        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readWrite, sealer: sealer) }
        #expect(error?.code == .keyMismatch)
        #expect(error?.description.contains("different stores") == true)

        let recreated = try create(fixture, updated, force: true, sealer: sealer)
        #expect(recreated.payload == updated)
    }

    // MARK: create and force

    @Test func createRefusesAnExistingStoreWithoutForce() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        let before = try fixture.snapshot()

        let error = #expect(throws: CredentialStoreError.self) { try create(fixture, updated, sealer: sealer) }
        #expect(error?.code == .alreadyExists)
        #expect(error?.description.contains("--force") == true)
        #expect(try fixture.snapshot() == before)
    }

    @Test func forceCreateReplacesTheStoreAndItsKey() throws {
        let fixture = try StoreFixture()
        do { _ = try create(fixture, payload, sealer: fixture.sealer) }
        let keyBefore = try fixture.bytes("store-key.cred")

        do {
            let replaced = try create(fixture, updated, force: true, sealer: fixture.sealer)
            #expect(replaced.payload == updated)
        }
        #expect(try fixture.bytes("store-key.cred") != keyBefore)
        #expect(try fixture.names() == storeFiles)
        #expect(try open(fixture, .readOnly, sealer: fixture.sealer).payload == updated)
    }

    // MARK: locking

    @Test func aSecondReadWriteHandleIsRefusedWhileTheFirstIsAlive() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do {
            let writer = try create(fixture, payload, sealer: sealer)
            let second = #expect(throws: CredentialStoreError.self) { try open(fixture, .readWrite, sealer: sealer) }
            #expect(second?.code == .locked)
            let recreate = #expect(throws: CredentialStoreError.self) {
                try create(fixture, updated, force: true, sealer: sealer)
            }
            #expect(recreate?.code == .locked)
            #expect(try open(fixture, .readOnly, sealer: sealer).payload == payload)
            withExtendedLifetime(writer) {}
        }
        #expect(try open(fixture, .readWrite, sealer: sealer).payload == payload)
    }

    @Test func anotherProcessSeesTheLockOfAReadWriteHandle() throws {
        let fixture = try StoreFixture()
        let probe = ["--nonblock", "--conflict-exit-code", "75", fixture.file("lock"), "true"]
        do {
            let writer = try create(fixture, payload, sealer: RecordingSealer())
            #expect(try runTool("/usr/bin/flock", probe).status == 75)
            withExtendedLifetime(writer) {}
        }
        #expect(try runTool("/usr/bin/flock", probe).status == 0)
    }

    @Test func aLockHeldByAnotherProcessRefusesReadWriteButNotReadOnly() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }

        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--nonblock", fixture.file("lock"), "--command", "echo held; read line"]
        let input = Pipe()
        let output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer { holder.waitUntilExit() }
        defer { try? input.fileHandleForWriting.close() }
        #expect(firstLine(from: output.fileHandleForReading) == "held")

        let refused = #expect(throws: CredentialStoreError.self) { try open(fixture, .readWrite, sealer: sealer) }
        #expect(refused?.code == .locked)
        #expect(try open(fixture, .readOnly, sealer: sealer).payload == payload)

        try input.fileHandleForWriting.write(contentsOf: Data("\n".utf8))
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
        #expect(try open(fixture, .readWrite, sealer: sealer).payload == payload)
    }

    // MARK: sealing to the machine

    @Test func aStoreCopiedToAnotherMachineIsRefusedAndLeftUnchanged() throws {
        let fixture = try StoreFixture()
        do { _ = try create(fixture, payload, sealer: fixture.sealer) }
        let otherMachine = try fixture.otherMachineSealer()
        let before = try fixture.snapshot()

        for access in [CredentialDirectory.Access.readOnly, .readWrite] {
            let error = #expect(throws: CredentialStoreError.self) { try open(fixture, access, sealer: otherMachine) }
            #expect(error?.code == .unsealFailed)
            let message = error?.description ?? ""
            #expect(!message.contains("\n"))
            #expect(message.contains("Decryption failed"))
            #expect(message.contains("another machine"))
            #expect(!message.contains("encrypted media"))
        }
        #expect(try fixture.snapshot() == before)
        #expect(try open(fixture, .readOnly, sealer: fixture.sealer).payload == payload)
    }

    // MARK: damage

    @Test func everyFlippedBitIsDetectedAndTheFileIsNotRepaired() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        let original = try fixture.bytes("credential")

        for index in original.indices {
            var damaged = original
            damaged[index] ^= 0x01
            try fixture.overwrite("credential", with: damaged)
            let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readWrite, sealer: sealer) }
            #expect(error?.code == expectedCodeForFlippedBit(at: index), "byte \(index)")
            #expect(error?.description.contains("\n") == false)
            #expect(try fixture.bytes("credential") == damaged, "byte \(index)")
        }
    }

    /// The low bit of each header byte: magic; version 0x0001 becomes 0x0101 or 0x0000; flags; identity.
    private func expectedCodeForFlippedBit(at index: Int) -> CredentialStoreError.Code {
        switch index {
        case 0..<8: .corrupt
        case 8: .newerFormat
        case 9..<12: .corrupt
        case 12..<28: .keyMismatch
        default: .tampered
        }
    }

    @Test func everyTruncationAndAnExtensionAreDetected() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        let original = try fixture.bytes("credential")

        for length in 0..<original.count {
            try fixture.overwrite("credential", with: Array(original.prefix(length)))
            let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
            let expected: CredentialStoreError.Code = length < CredentialEnvelope.minimumLength ? .corrupt : .tampered
            #expect(error?.code == expected, "length \(length)")
        }
        try fixture.overwrite("credential", with: original + [0])
        let extended = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(extended?.code == .tampered)
    }

    @Test(arguments: [UInt16(2), 0x0100, 0xFFFF])
    func aNewerFormatIsRefusedBeforeAnythingIsUnsealed(version: UInt16) throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        var bytes = try fixture.bytes("credential")
        bytes[8] = UInt8(version >> 8)
        bytes[9] = UInt8(version & 0xFF)
        try fixture.overwrite("credential", with: bytes)

        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(error?.code == .newerFormat)
        #expect(
            error?.description
                == "\(fixture.file("credential")) was written by a newer pivlink-card (store format \(version), "
                + "this build reads up to 1): upgrade pivlink-card"
        )
        #expect(sealer.unsealCount == 0)
    }

    @Test func aKeyFileThatHoldsNoStoreKeyIsCorrupt() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        try fixture.overwrite("store-key.cred", with: try sealer.seal([1, 2, 3]))
        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(error?.code == .corrupt)
    }

    // MARK: missing and unsafe files

    @Test func aMissingStoreIsNotFoundAndNothingIsCreated() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        for access in [CredentialDirectory.Access.readOnly, .readWrite] {
            let error = #expect(throws: CredentialStoreError.self) { try open(fixture, access, sealer: sealer) }
            #expect(error?.code == .notFound)
        }
        #expect(mkdir(fixture.storePath, 0o700) == 0)
        let empty = #expect(throws: CredentialStoreError.self) { try open(fixture, .readWrite, sealer: sealer) }
        #expect(empty?.code == .notFound)
        #expect(try fixture.names().isEmpty)
        #expect(!CredentialDirectory.exists(at: fixture.storePath))
    }

    @Test func aMissingKeyFileIsReportedApartFromCorruption() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        #expect(CredentialDirectory.exists(at: fixture.storePath))
        #expect(unlink(fixture.file("store-key.cred")) == 0)

        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(error?.code == .missingFile)
        #expect(error?.description.contains("store-key.cred") == true)
    }

    @Test(arguments: ["credential", "store-key.cred"])
    func aSymlinkedStoreFileIsNotFollowed(name: String) throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        #expect(rename(fixture.file(name), fixture.temporary.path(name)) == 0)
        #expect(symlink(fixture.temporary.path(name), fixture.file(name)) == 0)

        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(error?.code == .unsafeFile)
        #expect(error?.description.contains("symbolic link") == true)
    }

    @Test func aSymlinkedLockFileIsNotFollowed() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        let target = fixture.temporary.path("elsewhere")
        #expect(unlink(fixture.file("lock")) == 0)
        #expect(symlink(target, fixture.file("lock")) == 0)

        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readWrite, sealer: sealer) }
        #expect(error?.code == .unsafeFile)
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func aFIFOInPlaceOfTheCredentialIsRefusedWithoutBlocking() throws {
        let fixture = try StoreFixture()
        let sealer = RecordingSealer()
        do { _ = try create(fixture, payload, sealer: sealer) }
        #expect(unlink(fixture.file("credential")) == 0)
        #expect(mkfifo(fixture.file("credential"), 0o600) == 0)

        let error = #expect(throws: CredentialStoreError.self) { try open(fixture, .readOnly, sealer: sealer) }
        #expect(error?.code == .unsafeFile)
    }

    // MARK: helpers

    private func inode(_ path: String) throws -> UInt {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw FixtureError(message: "lstat \(path) failed") }
        return UInt(status.st_ino)
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.count >= needle.count
            && (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    private func firstLine(from handle: FileHandle) -> String {
        var received = Data()
        while !received.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        return String(decoding: received, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
