// The svmlight / libsvm text format, which IMDB's labeledBow.feat files are an instance of:
// one example per line, `label index:value index:value ...`, indices strictly increasing.
// Read from bytes in one pass, straight into CSR; every error names the file, line and column.

public enum SparseText {
    public struct Options: Sendable, Equatable {
        /// The number of the first feature in the file: 1 (libsvm's convention) or 0 (IMDB's).
        public var indexBase: Int
        /// Features the file may name: an index at or beyond this (after the base) is an error.
        public var columns: Int
        /// Features kept: pairs at or beyond this index are dropped (IMDB's vocabulary cut).
        public var keepBelow: Int
        /// `#` starts a comment that runs to the end of the line.
        public var comments: Bool
        /// Skip svmlight's `qid:N` token after the label.
        public var qid: Bool
        /// What the file's features are, for messages ("words of imdb.vocab").
        public var columnsName: String

        public init(indexBase: Int, columns: Int, keepBelow: Int? = nil, comments: Bool = true, qid: Bool = true,
                    columnsName: String = "features") {
            self.indexBase = indexBase
            self.columns = columns
            self.keepBelow = keepBelow ?? columns
            self.comments = comments
            self.qid = qid
            self.columnsName = columnsName
        }
    }

    /// A parsed file: the label token of each example, its line, and the rows.
    public struct Parsed {
        public var labels: [String]
        public var lines: [Int]
        public var rows: SparseRows
    }

    /// Parses a whole file. Explicit zeros are left out of the rows (they are not nonzeros).
    /// Throws a DatasetError naming file, line and column for: a label with no features or a
    /// malformed pair, an index that is not a whole number or out of range, a value that is not a
    /// finite number, indices that do not increase, and a file with no examples.
    public static func parse(_ bytes: [UInt8], file: String, options o: Options) throws -> Parsed {
        var labels: [String] = [], lines: [Int] = [], rowStart = [0]
        var indices: [Int32] = [], values: [Float] = []
        indices.reserveCapacity(bytes.count / 6)
        values.reserveCapacity(bytes.count / 6)
        try bytes.withUnsafeBufferPointer { buf in
            let n = buf.count
            var pos = 0, line = 0
            while pos < n {
                line += 1
                let start = pos
                var end = start
                while end < n && buf[end] != UInt8(ascii: "\n") { end += 1 }
                pos = end + 1
                var stop = end
                if stop > start && buf[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
                if o.comments, let hash = (start..<stop).first(where: { buf[$0] == UInt8(ascii: "#") }) { stop = hash }
                func fail(_ at: Int, _ problem: String, hint: String? = nil) -> DatasetError {
                    DatasetError(file: file, "line \(line), column \(at - start + 1): \(problem)", hint: hint)
                }
                @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 }
                var i = start
                while i < stop && isSpace(buf[i]) { i += 1 }
                if i == stop { continue }  // blank or comment-only line
                let labelStart = i
                while i < stop && !isSpace(buf[i]) { i += 1 }
                let label = String(decoding: UnsafeBufferPointer(rebasing: buf[labelStart..<i]), as: UTF8.self)
                if label.contains(":") {
                    throw fail(labelStart, "\"\(label)\" is where the label belongs; each line starts with a label, then index:value pairs")
                }
                var previous = -1
                while true {
                    while i < stop && isSpace(buf[i]) { i += 1 }
                    if i == stop { break }
                    let tokenStart = i
                    // The index: decimal digits, then ':'.
                    var index = 0, digits = 0
                    while i < stop && buf[i] >= 48 && buf[i] <= 57 {
                        if index < 1 << 40 { index = index * 10 + Int(buf[i] - 48) }
                        digits += 1
                        i += 1
                    }
                    if o.qid && digits == 0 && stop - i >= 4 && buf[i] == UInt8(ascii: "q") && buf[i + 1] == UInt8(ascii: "i")
                        && buf[i + 2] == UInt8(ascii: "d") && buf[i + 3] == UInt8(ascii: ":") && previous < 0 {
                        while i < stop && !isSpace(buf[i]) { i += 1 }
                        continue
                    }
                    guard digits > 0, i < stop, buf[i] == UInt8(ascii: ":") else {
                        var tokenEnd = tokenStart
                        while tokenEnd < stop && !isSpace(buf[tokenEnd]) { tokenEnd += 1 }
                        let token = String(decoding: UnsafeBufferPointer(rebasing: buf[tokenStart..<tokenEnd]), as: UTF8.self)
                        throw fail(tokenStart, "\"\(token)\" is not an index:value pair (a whole number, a colon, a number)")
                    }
                    i += 1
                    let valueStart = i
                    while i < stop && !isSpace(buf[i]) { i += 1 }
                    let column = index - o.indexBase
                    guard column >= 0 && column < o.columns else {
                        let first = o.indexBase, last = o.columns - 1 + o.indexBase
                        throw fail(tokenStart, "index \(index) is out of range: the \(o.columnsName) are numbered \(first) to \(last)",
                                   hint: index == o.columns && o.indexBase == 0 ? "if the file counts features from 1, set index_base to 1" : nil)
                    }
                    guard column > previous else {
                        throw fail(tokenStart, "index \(index) comes after index \(previous + o.indexBase); indices must increase along a line")
                    }
                    previous = column
                    guard let value = number(buf, valueStart, i) else {
                        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[valueStart..<i]), as: UTF8.self)
                        throw text.isEmpty ? fail(tokenStart, "index \(index) has no value after its colon")
                            : fail(valueStart, "\"\(text)\" is not a finite number (the value of index \(index))")
                    }
                    if column < o.keepBelow && value != 0 {
                        indices.append(Int32(column))
                        values.append(value)
                    }
                }
                labels.append(label)
                lines.append(line)
                rowStart.append(indices.count)
            }
        }
        guard !labels.isEmpty else {
            throw DatasetError(file: file, bytes.isEmpty ? "is empty; it should hold one example per line (label index:value ...)"
                               : "holds no examples, only blank or comment lines")
        }
        return Parsed(labels: labels, lines: lines,
                      rows: SparseRows(columns: o.keepBelow, rowStart: rowStart, indices: indices, values: values))
    }

    /// A finite Float from bytes lo..<hi: whole numbers directly (bag-of-words counts), anything
    /// else through the standard library's parser. nil when it is not a finite number.
    static func number(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Float? {
        guard hi > lo else { return nil }
        if hi - lo <= 7 {
            var v = 0, i = lo
            while i < hi && buf[i] >= 48 && buf[i] <= 57 { v = v * 10 + Int(buf[i] - 48); i += 1 }
            if i == hi { return Float(v) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[lo..<hi]), as: UTF8.self)
        guard let v = Float(text), v.isFinite else { return nil }
        return v
    }

    /// A text data file's content (inflated when it ends in .gz) and its manifest record.
    public static func readFile(_ path: String, hint: String) throws -> ([UInt8], DataFile) {
        let raw: [UInt8]
        do { raw = try FileInput.read(path, limit: FileInput.dataLimit) } catch {
            throw DatasetError(file: path, error.message, hint: hint)
        }
        let hash = SHA256.hex(raw)
        guard path.hasSuffix(".gz") else { return (raw, DataFile(path: path, sha256: hash, contentSHA256: hash)) }
        let content = try Gzip.inflate(raw, file: path, limit: textLimit,
                                       whenLarger: "inflates to more than \(textLimit >> 30) GiB, more than a text data file may hold")
        return (content, DataFile(path: path, sha256: hash, contentSHA256: SHA256.hex(content)))
    }

    /// The largest text data file read (after inflating).
    static let textLimit = 4 << 30

}
