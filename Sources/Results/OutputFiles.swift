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
        let temp = temporaryName(path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw OutputError(path: path, problem: "cannot be written (\(String(cString: strerror(errno))); is the folder writable?)")
        }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        let why = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temp)
            throw OutputError(path: path, problem: "cannot be written (\(why); is the disk full?)")
        }
        guard rename(temp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp)
            throw OutputError(path: path, problem: "cannot be moved into place (\(why))")
        }
    }
}
