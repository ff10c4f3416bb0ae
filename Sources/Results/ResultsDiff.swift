// Comparing two result files (curves.csv, summary.csv, …) cell by cell with tolerances, for CI:
// rows are matched by their key columns, so reordered or missing rows are reported as such.
import Config
import Foundation

/// A CSV table as adam-bench writes it (no quoting needed: names are restricted), read strictly.
public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    public static func read(_ path: String) throws -> CSVTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OutputError(path: path, problem: "cannot be read (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw OutputError(path: path, problem: "is not UTF-8 text") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> CSVTable {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        while lines.last == "" { lines.removeLast() }
        guard let first = lines.first, !first.isEmpty else { throw OutputError(path: path, problem: "is empty: expected a CSV header line") }
        let header = try fields(first, path: path, line: 1)
        var rows: [[String]] = []
        for (i, line) in lines.dropFirst().enumerated() {
            let cells = try fields(line, path: path, line: i + 2)
            guard cells.count == header.count else {
                throw OutputError(path: path, problem: "line \(i + 2) has \(cells.count) cells but the header has \(header.count)")
            }
            rows.append(cells)
        }
        return CSVTable(header: header, rows: rows)
    }

    /// The fields of one line; a field in double quotes may hold commas and doubled quotes.
    static func fields(_ line: String, path: String, line number: Int) throws -> [String] {
        var out: [String] = [], current = "", quoted = false, i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex && line[next] == "\"" { current.append("\""); i = next } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else if c == "," {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
            i = line.index(after: i)
        }
        if quoted { throw OutputError(path: path, problem: "line \(number) has an unterminated quoted field") }
        out.append(current)
        return out
    }
}

public struct ResultsDiff: Sendable {
    public struct Difference: Sendable {
        public let key: String
        public let column: String
        public let expected: String
        public let actual: String
        public let relativeError: Double?
    }

    public var keyColumns: [String] = []
    public var differences: [Difference] = []
    public var missingRows: [String] = []   // in EXPECTED, not in ACTUAL
    public var extraRows: [String] = []     // in ACTUAL, not in EXPECTED
    public var missingColumns: [String] = []
    public var extraColumns: [String] = []
    public var comparedCells = 0
    public var maxRelativeError = 0.0

    public var isEqual: Bool {
        differences.isEmpty && missingRows.isEmpty && extraRows.isEmpty && missingColumns.isEmpty && extraColumns.isEmpty
    }

    /// The columns that identify a row: arm, seed and iteration (curves) or epoch (timings)
    /// when present; for other files, the first column.
    static func keys(_ header: [String]) -> [String] {
        let known = ["arm", "seed", "iteration"].filter(header.contains)
        if known.contains("iteration") || known.count < 2 { return known.isEmpty ? [header[0]] : known }
        return header.contains("epoch") && !header.contains("status") ? known + ["epoch"] : known
    }

    /// Two cells agree when both are empty, both NaN, equal as text, or numbers within
    /// |actual − expected| <= atol + rtol·|expected| (infinities must match exactly).
    static func agree(_ e: String, _ a: String, rtol: Double, atol: Double) -> (Bool, Double?) {
        if e == a { return (true, 0) }
        guard let x = Double(e), let y = Double(a) else { return (false, nil) }
        if x.isNaN || y.isNaN { return (x.isNaN && y.isNaN, nil) }
        if x.isInfinite || y.isInfinite { return (x == y, nil) }
        let error = abs(y - x)
        let relative = x == 0 ? (error == 0 ? 0 : .infinity) : error / abs(x)
        return (error <= atol + rtol * abs(x), relative)
    }

    public static func compare(expected: CSVTable, actual: CSVTable, rtol: Double, atol: Double) -> ResultsDiff {
        var d = ResultsDiff()
        d.missingColumns = expected.header.filter { !actual.header.contains($0) }
        d.extraColumns = actual.header.filter { !expected.header.contains($0) }
        let keys = keys(expected.header).filter(actual.header.contains)
        d.keyColumns = keys
        func keyOf(_ row: [String], _ header: [String]) -> String {
            keys.map { k in "\(k)=\(row[header.firstIndex(of: k)!])" }.joined(separator: " ")
        }
        var actualByKey: [String: [String]] = [:]
        var actualOrder: [String] = []
        for row in actual.rows {
            let k = keyOf(row, actual.header)
            if actualByKey[k] == nil { actualOrder.append(k) }
            actualByKey[k] = row
        }
        var seen = Set<String>()
        let shared = expected.header.filter { actual.header.contains($0) && !keys.contains($0) }
        for row in expected.rows {
            let k = keyOf(row, expected.header)
            seen.insert(k)
            guard let other = actualByKey[k] else { d.missingRows.append(k); continue }
            for column in shared {
                let e = row[expected.header.firstIndex(of: column)!], a = other[actual.header.firstIndex(of: column)!]
                d.comparedCells += 1
                let (ok, relative) = agree(e, a, rtol: rtol, atol: atol)
                if let relative, relative.isFinite { d.maxRelativeError = max(d.maxRelativeError, relative) }
                if !ok { d.differences.append(Difference(key: k, column: column, expected: e, actual: a, relativeError: relative)) }
            }
        }
        d.extraRows = actualOrder.filter { !seen.contains($0) }
        return d
    }

    /// A few readable lines: what differs, where, by how much.
    public func report(expectedPath: String, actualPath: String, rtol: Double, atol: Double, limit: Int = 10) -> String {
        var lines: [String] = []
        if !missingColumns.isEmpty || !extraColumns.isEmpty {
            var s = "header differs:"
            if !missingColumns.isEmpty { s += " missing in \(actualPath): \(missingColumns.joined(separator: ", "))." }
            if !extraColumns.isEmpty { s += " not in \(expectedPath): \(extraColumns.joined(separator: ", "))." }
            lines.append(s)
        }
        for diff in differences.prefix(limit) {
            let rel = diff.relativeError.map { $0.isFinite ? String(format: "relative error %.3g", $0) : "relative error inf" } ?? "not comparable as numbers"
            let show = { (s: String) in s.isEmpty ? "(empty)" : s }
            lines.append("\(diff.key) \(diff.column): expected \(show(diff.expected)), actual \(show(diff.actual)) (\(rel))")
        }
        if differences.count > limit { lines.append("… and \(differences.count - limit) more differing cells") }
        if !missingRows.isEmpty {
            lines.append("\(missingRows.count) row(s) missing in \(actualPath), first: \(missingRows[0])")
        }
        if !extraRows.isEmpty {
            lines.append("\(extraRows.count) row(s) not in \(expectedPath), first: \(extraRows[0])")
        }
        let tolerance = "rtol \(rtol), atol \(atol)"
        if isEqual {
            lines.append("equal within \(tolerance): \(comparedCells) cells compared, largest relative difference \(String(format: "%.3g", maxRelativeError))")
        } else {
            lines.append("\(differences.count) of \(comparedCells) cells differ beyond \(tolerance)")
        }
        return lines.joined(separator: "\n")
    }
}
