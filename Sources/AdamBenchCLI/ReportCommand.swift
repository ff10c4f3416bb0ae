// `adam-bench report RESULT_DIR... [-o FILE.md] [--images DIR] [--paper FIGURES.csv]`
import Config
import Datasets
import Results
import Foundation

enum ReportCommand {
    static let beginMarker = "<!-- adam-bench report: begin -->"
    static let endMarker = "<!-- adam-bench report: end -->"

    static func main(_ args: [String]) throws -> ExitStatus {
        let a = try Arguments(args, valued: ["-o", "--out", "--images", "--paper"], switches: [])
        guard !a.positional.isEmpty else {
            throw UsageError("report takes one or more results folders, e.g. adam-bench report results/paper/figure3/cifar10-cnn -o report.md")
        }
        let output = a.value("-o") ?? a.value("--out")
        // The paper's values: --paper, else the project's copy when run from the project folder.
        var paper: CSVTable? = nil
        let paperFile = a.value("--paper") ?? (FileManager.default.fileExists(atPath: "paper/figures.csv") ? "paper/figures.csv" : nil)
        if let paperFile {
            do { paper = try CSVTable.read(paperFile) } catch let e as OutputError {
                printErr("adam-bench: error: --paper: \(e)")
                return .data
            }
        }
        let base = output.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        let imageDir = a.value("--images") ?? base
        var sections: [Report.Section] = []
        var images: [(path: String, panels: [PlotPanel])] = []
        do {
            for dir in a.positional {
                // Without -o each folder gets its plot inside it; with -o they go to --images.
                let name = (dir as NSString).lastPathComponent
                let file = output == nil ? (dir as NSString).appendingPathComponent("report.svg")
                                         : (imageDir as NSString).appendingPathComponent("report-\(name).svg")
                let link = relativePath(file, from: base)
                let section = try Report.section(directory: dir, paper: paper, image: link)
                sections.append(section)
                images.append((file, section.panels))
            }
        } catch let e as OutputError {
            printErr("adam-bench: error: \(e)")
            return .data
        }
        for (file, panels) in images {
            try OutputFiles.writeAtomically(SVGPlot.render(panels), to: file)
            printErr("wrote \(file)")
        }
        let document = Report.document(sections)
        guard let output else {
            print(document, terminator: "")
            return .success
        }
        if let spliced = try splice(document, into: output) {
            try OutputFiles.writeAtomically(spliced, to: output)
            printErr("wrote the report into \(output) (between its report markers)")
        } else {
            try OutputFiles.writeAtomically(document, to: output)
            printErr("wrote \(output)")
        }
        return .success
    }

    /// What -o writes into an existing file: a file with the two markers, each on a line of
    /// its own, begin first (the README), gets the report between them, one heading level down
    /// (the text returned); an earlier report, or an empty file, is replaced (nil). Anything
    /// else (markers missing, repeated or out of order, text that is not a report) is refused,
    /// naming what is wrong, and the file is left as it is.
    static func splice(_ document: String, into output: String) throws -> String? {
        var info = stat()
        guard lstat(output, &info) == 0 else { return nil }
        let existing: String
        do {
            let bytes = try FileInput.read(output, limit: FileInput.resultLimit)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw OutputError(path: output, problem: "is not UTF-8 text, so it is not a report; give -o a new file")
            }
            existing = text
        } catch let e as FileInput.Failure {
            throw OutputError(path: output, problem: e.message + "; give -o a new file")
        }
        let lines = existing.split(separator: "\n", omittingEmptySubsequences: false)
        func at(_ marker: String) -> [Int] { lines.indices.filter { lines[$0].trimmingCharacters(in: .whitespaces) == marker } }
        let begins = at(beginMarker), ends = at(endMarker)
        let rule = "the report goes between the lines \(beginMarker) and \(endMarker), each once, on a line of its own, begin first; fix them or give -o a new file (the file is unchanged)"
        func lineNumbers(_ l: [Int]) -> String { l.map { String($0 + 1) }.joined(separator: ", ") }
        switch (begins.count, ends.count) {
        case (1, 1) where begins[0] < ends[0]:
            let body = document.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
                .map { $0.hasPrefix("#") ? "#" + $0 : String($0) }.joined(separator: "\n")
            return lines[...begins[0]].joined(separator: "\n") + "\n" + body + lines[ends[0]...].joined(separator: "\n")
        case (1, 1):
            throw OutputError(path: output, problem: "has the report's end marker (line \(ends[0] + 1)) before its begin marker (line \(begins[0] + 1)); " + rule)
        case (0, 0) where existing.isEmpty || existing.hasPrefix(Report.title + "\n"):
            return nil
        case (0, 0):
            throw OutputError(path: output, problem: "is not a report adam-bench wrote and has no report markers; " + rule)
        default:
            throw OutputError(path: output, problem: "has the report's begin marker on line(s) \(begins.isEmpty ? "none" : lineNumbers(begins)) and its end marker on line(s) \(ends.isEmpty ? "none" : lineNumbers(ends)); " + rule)
        }
    }

    /// `path` relative to the folder `base` (both relative to the working directory or absolute).
    static func relativePath(_ path: String, from base: String) -> String {
        let p = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let b = base.isEmpty ? URL(fileURLWithPath: ".").standardizedFileURL.pathComponents
                             : URL(fileURLWithPath: base).standardizedFileURL.pathComponents
        var i = 0
        while i < p.count - 1 && i < b.count && p[i] == b[i] { i += 1 }
        return (Array(repeating: "..", count: b.count - i) + p[i...]).joined(separator: "/")
    }
}
