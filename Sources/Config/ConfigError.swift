// Config errors name the file and the JSON path of the bad value; the command line maps them to
// exit status 2.

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// JSON path such as `arms[2].beta2`; empty for file-level problems.
    public let path: String
    public let message: String

    public init(file: String = "", path: String, _ message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = [file, path].filter { !$0.isEmpty }.joined(separator: ": ")
        return location.isEmpty ? message : "\(location): \(message)"
    }
}

/// Reads one JSON object, remembering which keys were used so that `finish` can report every
/// key nobody asked for (a misspelt key must never be silently ignored).
struct ObjectReader {
    let path: String
    let pairs: [(String, JSON)]
    private(set) var used: [String] = []

    init(_ json: JSON, path: String) throws {
        guard case .object(let pairs) = json else {
            throw ConfigError(path: path, "must be an object, got \(json.typeName)")
        }
        self.path = path
        self.pairs = pairs
    }

    func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func raw(_ key: String) -> JSON? {
        guard let value = pairs.first(where: { $0.0 == key })?.1 else { return nil }
        used.append(key)
        return value
    }

    func has(_ key: String) -> Bool { pairs.contains { $0.0 == key } }

    mutating func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard case .string(let s) = v else { throw ConfigError(path: at(key), "must be a string, got \(v.typeName)") }
        return s
    }

    mutating func bool(_ key: String) throws -> Bool? {
        guard let v = raw(key) else { return nil }
        guard case .bool(let b) = v else { throw ConfigError(path: at(key), "must be true or false, got \(v.typeName)") }
        return b
    }

    mutating func number(_ key: String) throws -> Double? {
        guard let v = raw(key) else { return nil }
        return try Self.number(v, path: at(key))
    }

    static func number(_ v: JSON, path: String) throws -> Double {
        guard case .number(let x) = v else { throw ConfigError(path: path, "must be a number, got \(v.typeName)") }
        guard x.isFinite else { throw ConfigError(path: path, "must be a finite number") }
        return x
    }

    mutating func int(_ key: String, min: Int, max: Int = 1 << 53) throws -> Int? {
        guard let v = raw(key) else { return nil }
        return try Self.int(v, path: at(key), min: min, max: max)
    }

    /// A whole number in min...max; every count read from a config goes through here, so no
    /// later product of counts can overflow.
    static func int(_ v: JSON, path: String, min: Int, max: Int = 1 << 53) throws -> Int {
        let x = try number(v, path: path)
        guard x == x.rounded() else { throw ConfigError(path: path, "must be a whole number, got \(formatConfigNumber(x))") }
        guard x >= Double(min) else { throw ConfigError(path: path, "must be >= \(min), got \(formatConfigNumber(x))") }
        guard x <= Double(max) else { throw ConfigError(path: path, "must be at most \(max), got \(formatConfigNumber(x))") }
        return Int(x)
    }

    mutating func numbers(_ key: String) throws -> [Double]? {
        guard let v = raw(key) else { return nil }
        guard case .array(let items) = v else { throw ConfigError(path: at(key), "must be an array of numbers, got \(v.typeName)") }
        return try items.enumerated().map { try Self.number($1, path: "\(at(key))[\($0)]") }
    }

    /// The error for a required key that is absent; when an unread key is a near miss for it
    /// (`"trainig"`), the message says so.
    func missing(_ key: String, _ message: String) -> ConfigError {
        var text = message
        if let near = pairs.map(\.0).first(where: { !used.contains($0) && $0 != key && closest($0, in: [key]) == key }) {
            text += "; the config has \"\(near)\": did you mean \"\(key)\"?"
        }
        return ConfigError(path: at(key), text)
    }

    /// Every key not read is an error, with the closest valid key when one is near.
    func finish(_ context: String, allowed: [String]) throws {
        for (key, _) in pairs where !used.contains(key) {
            var message = "unknown key for \(context)"
            if let near = closest(key, in: allowed) { message += "; did you mean \"\(near)\"?" }
            message += " (valid keys: \(allowed.joined(separator: ", ")))"
            throw ConfigError(path: at(key), message)
        }
    }
}

func formatConfigNumber(_ x: Double) -> String { JSON.number(x).rendered() }

/// The candidate within edit distance 2 of `word`, if any (case-insensitive).
func closest(_ word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        // Levenshtein, one row at a time.
        var row = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var next = [i + 1]
            for (j, cb) in b.enumerated() { next.append(min(row[j + 1] + 1, next[j] + 1, row[j] + (ca == cb ? 0 : 1))) }
            row = next
        }
        return row[b.count]
    }
    let w = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(w, Array($0.lowercased()))) }.filter { $0.1 <= 2 }
    return scored.min { $0.1 < $1.1 }?.0
}

/// Experiment and arm names become folder and column names: letters, digits, '.', '_' and '-'.
func checkName(_ name: String, path: String) throws {
    let ok = !name.isEmpty && name != "." && name != ".." && name.count <= 100 &&
        name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-" }
    guard ok else {
        throw ConfigError(path: path, "must be 1 to 100 letters, digits, '.', '_' or '-' (it names a folder), got \"\(name)\"")
    }
}
