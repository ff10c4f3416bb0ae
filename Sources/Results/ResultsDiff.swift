// Comparing two result files (curves.csv, summary.csv, …) cell by cell with tolerances, for CI:
// rows are matched by their key columns, so reordered or missing rows are reported as such.
import Config
import Datasets
import Foundation

/// A CSV table read as RFC 4180 defines it (what Python's csv module and spreadsheets write);
/// adam-bench itself writes LF line ends and never needs quotes.
public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    public static func read(_ path: String) throws -> CSVTable {
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: FileInput.resultLimit) } catch { throw OutputError(path: path, problem: error.message) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw OutputError(path: path, problem: "is not UTF-8 text") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> CSVTable {
        var records = try records(text, path: path)
        while let last = records.last, last.cells == [""] { records.removeLast() }
        guard let first = records.first, first.cells != [""] else {
            throw OutputError(path: path, problem: "is empty: expected a CSV header line")
        }
        let header = first.cells
        var rows: [[String]] = []
        for record in records.dropFirst() {
            guard record.cells.count == header.count else {
                throw OutputError(path: path, problem: "line \(record.line) has \(record.cells.count) cells but the header has \(header.count)")
            }
            rows.append(record.cells)
        }
        return CSVTable(header: header, rows: rows)
    }

    /// The records of RFC 4180 CSV: fields separated by commas, records by CRLF or LF, a final
    /// record with or without a line end; a field in double quotes may hold commas, line breaks
    /// and doubled quotes. `line` is the line a record starts on. A quote inside an unquoted
    /// field, text after a closing quote, or a quoted field left open is an error naming the line.
    static func records(_ text: String, path: String) throws -> [(line: Int, cells: [String])] {
        var out: [(line: Int, cells: [String])] = []
        var cells: [String] = [], field: [UInt8] = []
        var quoted = false, closed = false, line = 1, recordLine = 1
        func fail(_ problem: String) -> OutputError { OutputError(path: path, problem: "line \(line) \(problem)") }
        func endField() { cells.append(String(decoding: field, as: UTF8.self)); field = []; closed = false }
        func endRecord() { endField(); out.append((recordLine, cells)); cells = []; recordLine = line }
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 1 } else { quoted = false; closed = true }
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
            } else if c == UInt8(ascii: ",") {
                endField()
            } else if c == 0x0A || (c == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) {
                if c == 0x0D { i += 1 }
                line += 1
                endRecord()
            } else if closed {
                throw fail("has text after the closing quote of a field; a quoted field ends at a comma or the line's end")
            } else if c == UInt8(ascii: "\"") {
                guard field.isEmpty else { throw fail("has a quote inside an unquoted field; quote the whole field and double the quote") }
                quoted = true
            } else {
                field.append(c)
            }
            i += 1
        }
        if quoted { throw OutputError(path: path, problem: "line \(recordLine) has a quoted field that is never closed") }
        if !field.isEmpty || !cells.isEmpty || closed { endRecord() }
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
        // A key that repeats is matched in order of appearance: its second row in EXPECTED
        // against its second row in ACTUAL, and so on; such rows are named "(occurrence N)".
        func occurrenceKeys(_ table: CSVTable) -> [String] {
            var count: [String: Int] = [:]
            return table.rows.map { row in
                let k = keyOf(row, table.header)
                count[k, default: 0] += 1
                return count[k]! == 1 ? k : "\(k) (occurrence \(count[k]!))"
            }
        }
        var actualByKey: [String: [String]] = [:]
        let actualOrder = occurrenceKeys(actual)
        for (k, row) in zip(actualOrder, actual.rows) { actualByKey[k] = row }
        var seen = Set<String>()
        let shared = expected.header.filter { actual.header.contains($0) && !keys.contains($0) }
        for (k, row) in zip(occurrenceKeys(expected), expected.rows) {
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
