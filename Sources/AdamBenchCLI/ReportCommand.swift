// `adam-bench report RESULT_DIR... [-o FILE.md] [--images DIR] [--paper FIGURES.csv]`
import Config
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
        // A file with the markers (the README) gets the report between them, one heading level down.
        if let existing = try? String(contentsOfFile: output, encoding: .utf8),
           let begin = existing.range(of: beginMarker), let end = existing.range(of: endMarker), begin.upperBound <= end.lowerBound {
            let body = document.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
                .map { $0.hasPrefix("#") ? "#" + $0 : String($0) }.joined(separator: "\n")
            let spliced = String(existing[..<begin.upperBound]) + "\n" + body + String(existing[end.lowerBound...])
            try OutputFiles.writeAtomically(spliced, to: output)
            printErr("wrote the report into \(output) (between its report markers)")
        } else {
            try OutputFiles.writeAtomically(document, to: output)
            printErr("wrote \(output)")
        }
        return .success
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
