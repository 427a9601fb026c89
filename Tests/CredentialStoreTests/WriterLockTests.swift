import StoreTesting
import Testing

@testable import CredentialStore

@Suite struct WriterLockTests {
    @Test func aSecondLockIsRefusedUntilTheFirstIsReleased() throws {
        let temporary = try TemporaryDirectory()
        let directory = try DirectoryHandle.openCreatingPrivate(temporary.path("store"))
        do {
            let first = try WriterLock("lock", in: directory)
            let error = #expect(throws: CredentialStoreError.self) { try WriterLock("lock", in: directory) }
            #expect(error?.code == .locked)
            #expect(error?.description.contains(temporary.path("store")) == true)
            withExtendedLifetime(first) {}
        }
        _ = try WriterLock("lock", in: directory)
    }
}
