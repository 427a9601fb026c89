import Glibc

/// An exclusive `flock` on the store's `lock` file, held until this object is released.
///
/// flock belongs to the open file description, so a second read-write open is refused whether it comes
/// from another process or from this one, and the kernel drops the lock when its holder dies. The
/// lock file is never replaced or removed, so every writer locks the same inode. Readers never take
/// it: they see whole files only, because writers replace files by rename.
final class WriterLock {
    private let descriptor: Int32

    /// Locks `name` in `directory` without waiting; a held lock is reported as `.locked`.
    init(_ name: String, in directory: DirectoryHandle) throws {
        let descriptor = try directory.openForLocking(name)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            if error == EINTR { continue }
            close(descriptor)
            if error == EWOULDBLOCK {
                throw CredentialStoreError(
                    .locked,
                    "credential store \(directory.path) is in use by another process "
                        + "(is pivlink-card running?): stop it and retry"
                )
            }
            throw CredentialStoreError(
                .io,
                "cannot lock \(directory.pathOf(name)): \(DescriptorIO.describe(error))"
            )
        }
        self.descriptor = descriptor
    }

    deinit {
        // Unlock explicitly rather than only closing: a child being spawned at this moment by another thread
        // holds a copy of the descriptor until it execs (O_CLOEXEC), and that copy would keep the lock.
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
