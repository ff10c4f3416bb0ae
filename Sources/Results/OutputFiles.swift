// Writing results: every file goes to a fresh temporary name in the same folder and is renamed
// into place when complete, so an interrupted run never leaves a half-written file. Temporary
// names are unpredictable and created exclusively, never through a link planted under them; the
// rename replaces a link at the destination itself, never the file it points to.
import Config
import Foundation

public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }

    package init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}

public enum OutputFiles {
    public static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: path, problem: "cannot create the results folder (\(error.localizedDescription)); choose another with --out")
        }
    }

    public static func writeAtomically(_ text: String, to path: String) throws {
        try writeAtomically(Array(text.utf8), to: path)
    }

    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        var set = FileSet()
        try set.stage(bytes, to: path)
        try set.commit()
    }

    // MARK: - Temporary names

    /// This machine's name as temporary names carry it (ASCII letters, digits and '-'): on a
    /// folder shared by many machines, a process id means something only on its own.
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, 255) == 0 ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let cleaned = String(name.unicodeScalars.prefix(40).map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "-" })
        return cleaned.isEmpty ? "host" : cleaned
    }()

    /// A fresh temporary name beside `path`: `.NAME.HOST.PID-RANDOM.tmp`. The 64 random bits make
    /// it unpredictable, so nothing can be planted under it beforehand; host and process id say
    /// whose it is (`removeAbandonedTemporaries`).
    package static func temporaryName(_ path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        let name = String((path as NSString).lastPathComponent.prefix(120))
        let random = String(UInt64.random(in: 0 ... .max), radix: 16)
        return (dir as NSString).appendingPathComponent(".\(name).\(host).\(getpid())-\(random).tmp")
    }

    /// A new file at a fresh temporary name beside `path`, open for writing: created exclusively
    /// (O_EXCL: never a file or link that is already there; O_NOFOLLOW: never through a link).
    /// Returns the name and descriptor, or throws naming `path`.
    package static func createTemporary(for path: String) throws -> (name: String, fd: Int32) {
        for _ in 0..<16 {
            let name = temporaryName(path)
            let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (name, fd) }
            guard errno == EEXIST else {
                let why = String(cString: strerror(errno))
                let hint = errno == ENOENT || errno == ENOTDIR ? "does its folder exist?" : "is the folder writable?"
                throw OutputError(path: path, problem: "cannot be written (\(why); \(hint))")
            }
        }
        throw OutputError(path: path, problem: "cannot be written: no fresh temporary name beside it")
    }

    /// Who left a temporary name: (host, process id), or nil for a name that is not one. Names
    /// of earlier versions, `.NAME.PID.tmp`, are this host's.
    static func owner(ofTemporary name: String) -> (host: String, pid: Int32)? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let parts = name.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let last = parts.last else { return nil }
        if let pid = Int32(last) { return (host, pid) }
        let idAndRandom = last.split(separator: "-", maxSplits: 1)
        guard parts.count >= 3, idAndRandom.count == 2, let pid = Int32(idAndRandom[0]) else { return nil }
        return (String(parts[parts.count - 2]), pid)
    }

    /// Removes the temporary files in `dir` of processes that no longer run (killed while
    /// writing): those of this machine whose process is gone. Those of live processes (other
    /// shards) and of other machines (whose processes cannot be seen from here) are left alone.
    package static func removeAbandonedTemporaries(in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names {
            guard let (h, pid) = owner(ofTemporary: name), h == host, pid != getpid(), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink((dir as NSString).appendingPathComponent(name)) }
        }
    }

    /// Flushes a folder's entries (renames, removals) to disk.
    package static func syncFolder(_ folder: String) {
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Writes all of `bytes` to `fd` and flushes it to disk; false (errno set) when it cannot.
    /// A "write" fault (tests) fails it half-way, as a full disk does.
    package static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var written = 0
        let injected = Faults.hit("write")
        let end = injected ? bytes.count / 2 : bytes.count
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < end {
                let n = write(fd, raw.baseAddress! + written, end - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        if injected { errno = ENOSPC; return false }
        return ok && fsync(fd) == 0
    }
}
