// An exclusive lock on a folder, held by one process at a time: flock(2) on the folder itself
// (no lock file is left behind), released when the holder calls release() or exits, so a killed
// process never leaves it held.
import Foundation
import Results
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct DirectoryLock {
    private let fd: Int32

    /// Waits until no other process holds the lock of `dir`, then holds it.
    init(_ path: String) throws {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError(path: path, problem: "cannot be opened to lock it (errno \(errno)); check its permissions") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let e = errno
                close(fd)
                throw OutputError(path: path, problem: "cannot be locked (errno \(e))")
            }
        }
    }

    func release() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
