import Foundation
import Glibc
import StoreTesting
import Testing

@testable import CredentialStore

@Suite struct DirectoryHandleTests {
    @Test func aMissingDirectoryOpensAsNil() throws {
        let temporary = try TemporaryDirectory()
        #expect(try DirectoryHandle.open(temporary.path("absent")) == nil)
    }

    @Test func aFileIsNotADirectory() throws {
        let temporary = try TemporaryDirectory()
        try Data([1]).write(to: URL(fileURLWithPath: temporary.path("file")))
        let error = #expect(throws: CredentialStoreError.self) { try DirectoryHandle.open(temporary.path("file")) }
        #expect(error?.code == .io)
        #expect(error?.description.contains("Not a directory") == true)
    }

    @Test func creationNeedsTheParent() throws {
        let temporary = try TemporaryDirectory()
        let error = #expect(throws: CredentialStoreError.self) {
            try DirectoryHandle.openCreatingPrivate(temporary.path("absent/store"))
        }
        #expect(error?.code == .io)
    }

    @Test func aDirectoryReachedThroughASymlinkIsUsed() throws {
        let temporary = try TemporaryDirectory()
        #expect(mkdir(temporary.path("private-store"), 0o700) == 0)
        #expect(symlink(temporary.path("private-store"), temporary.path("store")) == 0)
        let directory = try #require(try DirectoryHandle.open(temporary.path("store")))
        try directory.stage("file", contents: [1])
        try directory.commit("file")
        #expect(FileManager.default.fileExists(atPath: temporary.path("private-store/file")))
    }

    @Test func stagedContentReplacesTheFileOnlyAtCommit() throws {
        let temporary = try TemporaryDirectory()
        let directory = try DirectoryHandle.openCreatingPrivate(temporary.path("store"))
        try directory.stage("file", contents: [1, 2])
        try directory.commit("file")
        try directory.stage("file", contents: [3, 4, 5])
        #expect(try directory.read("file", limit: 16) == [1, 2])
        #expect(try directory.read("file.new", limit: 16) == [3, 4, 5])
        try directory.commit("file")
        try directory.sync()
        #expect(try directory.read("file", limit: 16) == [3, 4, 5])
        #expect(try directory.contains("file.new") == false)
    }

    @Test func discardingRemovesOnlyStagedFiles() throws {
        let temporary = try TemporaryDirectory()
        let directory = try DirectoryHandle.openCreatingPrivate(temporary.path("store"))
        try directory.stage("file", contents: [1])
        try directory.commit("file")
        try directory.stage("file", contents: [2])
        try directory.discardStaged(["file", "never-staged"])
        #expect(try directory.contains("file.new") == false)
        #expect(try directory.read("file", limit: 16) == [1])
    }

    /// A symlink planted as `<name>.new` is removed, never written through.
    @Test func stagingDoesNotWriteThroughAPlantedSymlink() throws {
        let temporary = try TemporaryDirectory()
        let directory = try DirectoryHandle.openCreatingPrivate(temporary.path("store"))
        try Data([9]).write(to: URL(fileURLWithPath: temporary.path("victim")))
        #expect(symlink(temporary.path("victim"), temporary.path("store/file.new")) == 0)
        try directory.stage("file", contents: [1])
        #expect(try Data(contentsOf: URL(fileURLWithPath: temporary.path("victim"))) == Data([9]))
        #expect(try directory.read("file.new", limit: 16) == [1])
    }

    @Test func readingPastTheLimitIsCorrupt() throws {
        let temporary = try TemporaryDirectory()
        let directory = try DirectoryHandle.openCreatingPrivate(temporary.path("store"))
        try directory.stage("file", contents: [UInt8](repeating: 1, count: 40_000))
        try directory.commit("file")
        #expect(try directory.read("file", limit: 40_000)?.count == 40_000)
        let error = #expect(throws: CredentialStoreError.self) { try directory.read("file", limit: 39_999) }
        #expect(error?.code == .corrupt)
        #expect(try directory.read("absent", limit: 1) == nil)
    }

    @Test func aSubdirectoryIsNotARegularFile() throws {
        let temporary = try TemporaryDirectory()
        let directory = try DirectoryHandle.openCreatingPrivate(temporary.path("store"))
        #expect(mkdir(temporary.path("store/file"), 0o700) == 0)
        let error = #expect(throws: CredentialStoreError.self) { try directory.read("file", limit: 16) }
        #expect(error?.code == .unsafeFile)
    }

    @Test func pathsAreJoinedWithOneSlash() throws {
        let temporary = try TemporaryDirectory()
        let plain = try #require(try DirectoryHandle.open(temporary.path))
        let slashed = try #require(try DirectoryHandle.open(temporary.path + "/"))
        #expect(plain.pathOf("credential") == temporary.path + "/credential")
        #expect(slashed.pathOf("credential") == temporary.path + "/credential")
    }
}
