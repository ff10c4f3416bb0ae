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
}

func report(_ error: Error) -> ExitStatus {
    let (status, text): (ExitStatus, String)
    switch error {
    case let e as UsageError: (status, text) = (.usage, e.description)
    case let e as ConfigError: (status, text) = (.usage, e.description)
    case let e as DatasetError: (status, text) = (.data, e.description)
    case let e as OutputError: (status, text) = (.failure, e.description)
    default: (status, text) = (.failure, "\(error)")
    }
    FileHandle.standardError.write(Data("adam-bench: error: \(terminalSafe(text))\n".utf8))
    return status
}

func printErr(_ text: String) { FileHandle.standardError.write(Data((terminalSafe(text) + "\n").utf8)) }

/// Text that came partly from files (names, keys, values in messages) with every control
/// character but the line break shown as an escape (ESC as \u{1B}), so nothing read from a
/// config can move the cursor, clear the screen or retitle the terminal.
func terminalSafe(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        let v = scalar.value
        if scalar == "\n" || (v >= 0x20 && v != 0x7F && !(0x80...0x9F).contains(v)) {
            out.unicodeScalars.append(scalar)
        } else {
            out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
        }
    }
    return out
}
