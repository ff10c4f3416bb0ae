// A lock on a folder: flock(2) on the folder itself (no lock file is left behind), exclusive (one
// process at a time) or shared (many at once, none exclusive), held until release() or until
// the holder exits, so a killed process never leaves it held.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package final class DirectoryLock: @unchecked Sendable {
    private var fd: Int32
    private let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    private static func openFolder(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError(path: path, problem: "cannot be opened to lock it (errno \(errno)); check its permissions") }
        return fd
    }

    /// Waits until the lock of `path` can be had, then holds it.
    package convenience init(_ path: String, shared: Bool = false) throws {
        self.init(fd: try Self.openFolder(path), path: path)
        try take(shared ? LOCK_SH : LOCK_EX)
    }

    /// The exclusive lock of `path` if nobody holds it in any way now; nil when someone does.
    package static func exclusiveIfFree(_ path: String) throws -> DirectoryLock? {
        let lock = DirectoryLock(fd: try openFolder(path), path: path)
        while flock(lock.fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let e = errno
            lock.release()
            if e == EWOULDBLOCK { return nil }
            throw OutputError(path: path, problem: "cannot be locked (errno \(e))")
        }
        return lock
    }

    /// Turns an exclusive lock into a shared one. (Not atomic: the caller makes sure, with
    /// another lock, that nobody else can take this one in between.)
    package func share() throws { try take(LOCK_SH) }

    private func take(_ operation: Int32) throws {
        while flock(fd, operation) != 0 {
            guard errno == EINTR else {
                let e = errno
                release()
                throw OutputError(path: path, problem: "cannot be locked (errno \(e))")
            }
        }
    }

    package func release() {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
