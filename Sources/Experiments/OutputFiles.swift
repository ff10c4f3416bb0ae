// Writing results: every file goes to a temporary name in the same folder and is renamed into
// place when complete, so an interrupted run never leaves a half-written file.
import Foundation

public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
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
        let dir = (path as NSString).deletingLastPathComponent
        let temp = (dir as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8)) else {
            throw OutputError(path: path, problem: "cannot be written (is the folder writable and the disk not full?)")
        }
        guard rename(temp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp)
            throw OutputError(path: path, problem: "cannot be moved into place (\(why))")
        }
    }
}
