import Foundation
// A small argument reader: positional words and `--flag VALUE` / `--flag=VALUE` options, with
// errors that name the flag.

struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message + "\n  see `adam-bench help` for usage" }
}

struct Arguments {
    var positional: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    /// `valued` lists the options that take a value, `switches` those that do not.
    init(_ args: [String], valued: [String], switches: [String]) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            i += 1
            guard a.hasPrefix("--") || (a.hasPrefix("-") && a.count == 2 && a != "-") else { positional.append(a); continue }
            var name = a, value: String? = nil
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                value = String(a[a.index(after: eq)...])
            }
            if switches.contains(name) {
                guard value == nil else { throw UsageError("\(name) takes no value") }
                flags.insert(name)
            } else if valued.contains(name) {
                if value == nil {
                    guard i < args.count else { throw UsageError("\(name) needs a value") }
                    value = args[i]
                    i += 1
                }
                guard options[name] == nil else { throw UsageError("\(name) is given twice") }
                options[name] = value
            } else {
                let all = valued + switches
                throw UsageError("unknown option \(name)" + (all.isEmpty ? "" : " (this command takes \(all.joined(separator: ", ")))"))
            }
        }
    }

    func value(_ name: String) -> String? { options[name] }
    func has(_ name: String) -> Bool { flags.contains(name) }

    func int(_ name: String, min: Int, max: Int = 1 << 53) throws -> Int? {
        guard let s = options[name] else { return nil }
        guard let v = Int(s), v >= min else { throw UsageError("\(name): must be a whole number >= \(min), got '\(s)'") }
        guard v <= max else { throw UsageError("\(name): must be at most \(max), got '\(s)'") }
        return v
    }
}

extension Arguments {
    /// The data folder: --data-dir, else $ADAM_BENCH_DATA, else data/. An empty value is refused
    /// (it would silently mean the current directory).
    func dataDirectory() throws -> String {
        if let dir = value("--data-dir") {
            guard !dir.isEmpty else { throw UsageError("--data-dir: must not be empty; give the folder that holds the data sets") }
            return dir
        }
        if let dir = ProcessInfo.processInfo.environment["ADAM_BENCH_DATA"] {
            guard !dir.isEmpty else { throw UsageError("ADAM_BENCH_DATA is set but empty; unset it (to use data/) or set it to the folder that holds the data sets") }
            return dir
        }
        return "data"
    }
}
