// Writing results: every file goes to a temporary name in the same folder and is renamed into
// place when complete, so an interrupted run never leaves a half-written file.
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

    /// The temporary name `path` is written under before it is renamed into place.
    package static func temporaryName(_ path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return (dir as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).tmp")
    }

    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        var set = FileSet()
        try set.stage(bytes, to: path)
        try set.commit()
    }

    /// Files that replace their old versions together: each is written in full to a temporary
    /// name beside it and flushed to disk (`stage`); only when all are written are they renamed
    /// into place (`commit`), so a failure while writing (a full disk) leaves every old file as
    /// it was. Renames within a folder need no space; the folder is flushed after them.
    public struct FileSet: ~Copyable {
        private var pending: [(temp: String, path: String)] = []
        public init() {}

        public mutating func stage(_ text: String, to path: String) throws { try stage(Array(text.utf8), to: path) }

        public mutating func stage(_ bytes: [UInt8], to path: String) throws {
            let temp = temporaryName(path)
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let why = String(cString: strerror(errno))
                abandon()
                throw OutputError(path: path, problem: "cannot be written (\(why); is the folder writable?)")
            }
            var written = 0
            let ok: Bool = bytes.withUnsafeBytes { raw in
                while written < raw.count {
                    let n = write(fd, raw.baseAddress! + written, raw.count - written)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    written += n
                }
                return fsync(fd) == 0
            }
            let why = String(cString: strerror(errno))
            close(fd)
            pending.append((temp, path))
            guard ok else {
                abandon()
                throw OutputError(path: path, problem: "cannot be written (\(why); is the disk full?)")
            }
        }

        /// Moves every staged file into place, in the order staged.
        public mutating func commit() throws {
            var folders: [String] = []
            for (i, (temp, path)) in pending.enumerated() {
                guard rename(temp, path) == 0 else {
                    let why = String(cString: strerror(errno))
                    for (t, _) in pending[i...] { unlink(t) }
                    pending = []
                    throw OutputError(path: path, problem: "cannot be moved into place (\(why))")
                }
                let folder = (path as NSString).deletingLastPathComponent
                if !folders.contains(folder) { folders.append(folder) }
            }
            pending = []
            for folder in folders {
                let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if fd >= 0 { fsync(fd); close(fd) }
            }
        }

        /// Removes what was staged; the old files stay.
        public mutating func abandon() {
            for (temp, _) in pending { unlink(temp) }
            pending = []
        }

        deinit { for (temp, _) in pending { unlink(temp) } }
    }
}
