import Glibc

/// A directory opened once as a file descriptor. Every file in it is reached relative to that
/// descriptor with `O_NOFOLLOW`, so a symlink planted in place of a file is refused rather than
/// followed, and renaming the directory's path mid-operation cannot redirect a read or a write.
///
/// Replacing a file takes two steps so that several files can be replaced together: `stage` writes
/// `<name>.new` and fsyncs it, `commit` renames it over `<name>`, and `sync` fsyncs the directory so
/// the renames survive a crash.
final class DirectoryHandle {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Opens an existing directory, following a symlink to it (systemd's `StateDirectory=` with
    /// `DynamicUser=` makes one); nil if nothing exists at `path`.
    static func open(_ path: String) throws -> DirectoryHandle? {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw DescriptorIO.failure("cannot open directory \(path)")
        }
        return DirectoryHandle(path: path, descriptor: descriptor)
    }

    /// Opens `path`, creating it first if it does not exist (its parent must exist), and gives it
    /// mode 0700 either way: only the owner may list or reach the store's files.
    static func openCreatingPrivate(_ path: String) throws -> DirectoryHandle {
        let directory: DirectoryHandle
        if let existing = try open(path) {
            directory = existing
        } else {
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                throw DescriptorIO.failure("cannot create directory \(path)")
            }
            guard let created = try open(path) else {
                throw CredentialStoreError(.io, "cannot create directory \(path): it vanished after mkdir")
            }
            try syncParent(of: path)
            directory = created
        }
        // mkdir's mode is filtered by the umask, and an existing directory may be wider.
        guard fchmod(directory.descriptor, 0o700) == 0 else {
            throw DescriptorIO.failure("cannot set mode 0700 on \(path)")
        }
        return directory
    }

    func pathOf(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// Whether `name` exists, without following it if it is a symlink.
    func contains(_ name: String) throws -> Bool {
        var status = stat()
        if fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 { return true }
        if errno == ENOENT { return false }
        throw DescriptorIO.failure("cannot inspect \(pathOf(name))")
    }

    /// The whole content of the regular file `name`, or nil if it does not exist. Symlinks and other
    /// non-regular files are refused; files longer than `limit` are reported as corrupt.
    func read(_ name: String, limit: Int) throws -> [UInt8]? {
        // O_NONBLOCK keeps a FIFO planted under the name from blocking the open.
        let file = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard file >= 0 else {
            switch errno {
            case ENOENT:
                return nil
            case ELOOP:
                throw CredentialStoreError(
                    .unsafeFile,
                    "\(pathOf(name)) is a symbolic link, which is never followed: replace it with the file itself"
                )
            default:
                throw DescriptorIO.failure("cannot open \(pathOf(name))")
            }
        }
        defer { close(file) }
        var status = stat()
        guard fstat(file, &status) == 0 else {
            throw DescriptorIO.failure("cannot inspect \(pathOf(name))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw CredentialStoreError(
                .unsafeFile,
                "\(pathOf(name)) is not a regular file: replace it with the store file itself"
            )
        }
        guard let bytes = try DescriptorIO.readAll(file, limit: limit, describing: pathOf(name)) else {
            throw CredentialStoreError(
                .corrupt,
                "\(pathOf(name)) is larger than \(limit) bytes, more than any pivlink store file holds: "
                    + "restore it from a backup"
            )
        }
        return bytes
    }

    /// Writes `contents` to `<name>.new` with mode 0600 and fsyncs it, replacing a stale `<name>.new`
    /// left by an interrupted writer. On failure nothing is left behind.
    func stage(_ name: String, contents: [UInt8]) throws {
        let staged = Self.stagedName(name)
        try remove(staged)
        let file = openat(descriptor, staged, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            throw DescriptorIO.failure("cannot create \(pathOf(staged))")
        }
        do {
            // The creation mode is filtered by the umask; set the exact one.
            guard fchmod(file, 0o600) == 0 else {
                throw DescriptorIO.failure("cannot set mode 0600 on \(pathOf(staged))")
            }
            try DescriptorIO.writeAll(contents, to: file, describing: pathOf(staged))
            guard fsync(file) == 0 else {
                throw DescriptorIO.failure("cannot flush \(pathOf(staged)) to disk")
            }
        } catch {
            close(file)
            try? remove(staged)
            throw error
        }
        guard close(file) == 0 else {
            let failure = DescriptorIO.failure("cannot write \(pathOf(staged))")
            try? remove(staged)
            throw failure
        }
    }

    /// Atomically replaces `name` with its staged `<name>.new`.
    func commit(_ name: String) throws {
        guard renameat(descriptor, Self.stagedName(name), descriptor, name) == 0 else {
            throw DescriptorIO.failure("cannot rename \(pathOf(Self.stagedName(name))) to \(pathOf(name))")
        }
    }

    /// Removes the staged files of `names`; a writer that stopped before `commit` leaves them behind.
    func discardStaged(_ names: [String]) throws {
        for name in names {
            try remove(Self.stagedName(name))
        }
    }

    /// Makes the renames done so far durable.
    func sync() throws {
        guard fsync(descriptor) == 0 else {
            throw DescriptorIO.failure("cannot flush directory \(path) to disk")
        }
    }

    /// Opens (creating it with mode 0600) the file `name`; the caller owns the returned descriptor.
    func openForLocking(_ name: String) throws -> Int32 {
        let file = openat(descriptor, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            if errno == ELOOP {
                throw CredentialStoreError(
                    .unsafeFile,
                    "\(pathOf(name)) is a symbolic link, which is never followed: remove it"
                )
            }
            throw DescriptorIO.failure("cannot open \(pathOf(name))")
        }
        return file
    }

    static func stagedName(_ name: String) -> String {
        name + ".new"
    }

    private func remove(_ name: String) throws {
        guard unlinkat(descriptor, name, 0) == 0 || errno == ENOENT else {
            throw DescriptorIO.failure("cannot remove \(pathOf(name))")
        }
    }

    /// fsyncs the directory holding `path`, so a directory just created there survives a crash.
    private static func syncParent(of path: String) throws {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") {
            trimmed = trimmed.dropLast()
        }
        let parent: String
        if let slash = trimmed.lastIndex(of: "/") {
            parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
        } else {
            parent = "."
        }
        guard let directory = try open(parent) else {
            throw CredentialStoreError(.io, "cannot open directory \(parent): it does not exist")
        }
        try directory.sync()
    }
}
