// The one place errors become exit statuses (SPEC section 1).
import Datasets
import Config
import Results
import Training
import Foundation

enum ExitStatus: Int32 {
    case success = 0
    case differences = 1
    case usage = 2
    case data = 3
    case failure = 4
    /// A shard of a successive-halving run trained what it could, and a rung waits for other
    /// shards' points: run it again once they are done.
    case rerun = 5
}

/// Exit 5: not an error, unfinished work this process cannot do yet.
struct RerunNeeded: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

func report(_ error: Error) -> ExitStatus {
    let (status, text): (ExitStatus, String)
    switch error {
    case let e as UsageError: (status, text) = (.usage, e.description)
    case let e as ConfigError: (status, text) = (.usage, e.description)
    case let e as DatasetError: (status, text) = (.data, e.description)
    case let e as OutputError: (status, text) = (.failure, e.description)
    case let e as RerunNeeded:
        FileHandle.standardError.write(Data("adam-bench: not finished (exit 5): \(terminalSafe(e.description))\n".utf8))
        return .rerun
    default: (status, text) = (.failure, "\(error)")
    }
    FileHandle.standardError.write(Data("adam-bench: error: \(terminalSafe(text))\n".utf8))
    return status
}

func printErr(_ text: String) { FileHandle.standardError.write(Data((terminalSafe(text) + "\n").utf8)) }
