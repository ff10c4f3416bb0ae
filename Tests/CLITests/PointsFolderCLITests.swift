// The points and results folders through the binary, killed (SIGKILL) at every step of
// renumbering a grown grid and of replacing a results set: the rerun loses no finished point and
// ends with the bytes of a run never killed; readers refuse a half-replaced set; a run of other
// settings is refused while one holds the folder; collect writes into the folder it is given;
// `report -o` never replaces a file whose report markers are wrong.
import Foundation
import TestSupport
import Testing

func gridConfig(_ grid: String) -> String {
    """
    {"name": "tuned", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
     "training": {"epochs": 30, "seeds": [1, 2], "checkpoint_every_epochs": 1},
     "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.01}, {"name": "adam", "optimizer": "adam"}],
     "tune": {"grid": {"lr": [\(grid)]}, "select": "final_eval_train_loss"}}
    """
}

func gridWorkspace() -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    _ = dir.write(gridConfig("0.05, 0.15"), to: "small.json")
    _ = dir.write(gridConfig("0.01, 0.05, 0.15"), to: "grown.json")
    return dir
}

func runGrid(_ dir: TemporaryDirectory, _ config: String, out: String, fault: String? = nil, extra: [String] = []) throws -> Binary.Output {
    try Binary.run(["run", config, "--out", out, "--threads", "1"] + extra, environment: fault.map { ["ADAM_BENCH_FAULT": $0] } ?? [:],
                   directory: dir.path)
}

func copyTree(_ dir: TemporaryDirectory, _ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: dir.file(to))
    try FileManager.default.createDirectory(atPath: (dir.file(to) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: dir.file(from), toPath: dir.file(to))
}

func names(_ dir: TemporaryDirectory, _ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.file(folder))) ?? []).sorted()
}

let gridResults = ["curves.csv", "summary.csv", "tuning.csv"]

/// The grown grid's renumbering killed at each of its steps in turn (copies, journal, renames,
/// removals), from a folder with four finished points and a checkpoint to move: the rerun
/// trains only the points not finished and ends byte-identical to a run never killed.
@Test func killedAtEveryStepOfRenumberingAGrownGridTheRerunLosesNothing() throws {
    let dir = gridWorkspace()
    #expect(try runGrid(dir, "grown.json", out: "ref", extra: ["--quiet"]).status == 0)
    #expect(try runGrid(dir, "small.json", out: "base", extra: ["--shard", "0/2", "--quiet"]).status == 0)
    let killed = try runGrid(dir, "small.json", out: "base", fault: "kill-after-checkpoint:3", extra: ["--shard", "1/2"])
    #expect(killed.status == 9 && names(dir, "base/tuned/points").contains("00001.checkpoint"), "\(killed.stderr)")
    var kills = 0
    for step in 1...40 {
        try copyTree(dir, "base", "k")
        let r = try runGrid(dir, "grown.json", out: "k", fault: "kill-at-step:realign:\(step)", extra: ["--quiet"])
        if r.status == 0 { break }
        #expect(r.status == 9, "step \(step): \(r.status) \(r.stderr)")
        kills += 1
        let rerun = try runGrid(dir, "grown.json", out: "k")
        #expect(rerun.status == 0 && rerun.stderr.contains("ran 8 points, 4 already complete"), "step \(step): \(rerun.stderr)")
        for file in gridResults { #expect(dir.read("ref/tuned/\(file)") == dir.read("k/tuned/\(file)"), "step \(step): \(file)") }
        let left = names(dir, "k/tuned/points").filter { !$0.hasSuffix(".point") && $0 != "config.json" }
        #expect(left.isEmpty, "step \(step): \(left)")
    }
    #expect(kills >= 12, "only \(kills) steps")
}

/// `collect` killed at each step of staging and committing the merged results: meanwhile the
/// folder holds the old set whole, or a journal that makes `report` refuse it; the next collect
/// finishes or replaces the set, removes every temporary, and ends with the reference bytes.
@Test(arguments: ["write", "commit"])
func killedAtEveryStepOfReplacingResultsTheNextCollectFinishesThem(_ operation: String) throws {
    let dir = gridWorkspace()
    #expect(try runGrid(dir, "grown.json", out: "r", extra: ["--quiet"]).status == 0)
    let reference = gridResults.map { dir.read("r/tuned/\($0)") }
    // The old set: the same experiment with another seed.
    #expect(try runGrid(dir, "grown.json", out: "o", extra: ["--quiet", "--seed", "5"]).status == 0)
    for file in gridResults + ["timings.csv", "manifest.json"] {
        try FileManager.default.removeItem(atPath: dir.file("r/tuned/\(file)"))
        try FileManager.default.copyItem(atPath: dir.file("o/tuned/\(file)"), toPath: dir.file("r/tuned/\(file)"))
    }
    let old = gridResults.map { dir.read("r/tuned/\($0)") }
    try copyTree(dir, "r", "saved")
    var kills = 0
    for step in 1...40 {
        try copyTree(dir, "saved", "r")
        let r = try Binary.run(["collect", "r/tuned"], environment: ["ADAM_BENCH_FAULT": "kill-at-step:\(operation):\(step)"], directory: dir.path)
        if r.status == 0 { break }
        #expect(r.status == 9, "step \(step): \(r.status) \(r.stderr)")
        kills += 1
        let journal = names(dir, "r/tuned").contains { $0.hasPrefix(".commit.") }
        let now = gridResults.map { dir.read("r/tuned/\($0)") }
        if journal {
            let report = try Binary.run(["report", "r/tuned"], directory: dir.path)
            #expect(report.status == 3 && report.stderr.contains("a process was stopped while replacing the results"), "step \(step): \(report.stderr)")
        } else {
            #expect(now == old || now == reference, "\(operation) step \(step): a half-new set without a journal")
        }
        let again = try Binary.run(["collect", "r/tuned"], directory: dir.path)
        #expect(again.status == 0, "step \(step): \(again.stderr)")
        #expect(gridResults.map { dir.read("r/tuned/\($0)") } == reference, "\(operation) step \(step)")
        #expect(names(dir, "r/tuned") == ["curves.csv", "manifest.json", "points", "summary.csv", "timings.csv", "tuning.csv"],
                "\(operation) step \(step): \(names(dir, "r/tuned"))")
    }
    #expect(kills >= (operation == "write" ? 6 : 16), "only \(kills) steps")
}

/// While a process holds the points folder (a shared lock, as a running shard does), a run of
/// the grown grid is refused (exit 4) and changes nothing; a run of the same settings joins it;
/// once it is released, the grown grid runs and trains only its new points.
@Test func aRunOfOtherSettingsIsRefusedWhileAnotherHoldsThePointsFolder() throws {
    let dir = gridWorkspace()
    #expect(try runGrid(dir, "small.json", out: "l", extra: ["--quiet"]).status == 0)
    let before = names(dir, "l/tuned/points").map { dir.read("l/tuned/points/\($0)") }
    let fd = open(dir.file("l/tuned/points"), O_RDONLY | O_DIRECTORY)
    #expect(fd >= 0 && flock(fd, LOCK_SH) == 0)
    let refused = try runGrid(dir, "grown.json", out: "l")
    #expect(refused.status == 4 && refused.stderr.contains("l/tuned/points: is in use by a run of \"tuned\" with other settings"), "\(refused.stderr)")
    #expect(names(dir, "l/tuned/points").map { dir.read("l/tuned/points/\($0)") } == before)
    let same = try runGrid(dir, "small.json", out: "l")
    #expect(same.status == 0 && same.stderr.contains("ran 0 points, 8 already complete"), "\(same.stderr)")
    close(fd)
    let grown = try runGrid(dir, "grown.json", out: "l")
    #expect(grown.status == 0 && grown.stderr.contains("ran 4 points, 8 already complete"), "\(grown.stderr)")
}

/// collect DIR merges into DIR: a copy of a run's folder gets its own results and the original
/// is untouched; a symbolic link is refused, naming the folder to collect instead.
@Test func collectWritesIntoTheFolderNamedAndRefusesALink() throws {
    let dir = gridWorkspace()
    #expect(try runGrid(dir, "small.json", out: "c", extra: ["--quiet"]).status == 0)
    let original = names(dir, "c/tuned").map { dir.read("c/tuned/\($0)") }
    try FileManager.default.createDirectory(atPath: dir.file("c/copy"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: dir.file("c/tuned/points"), toPath: dir.file("c/copy/points"))
    let collect = try Binary.run(["collect", "c/copy"], directory: dir.path)
    #expect(collect.status == 0 && collect.stderr.contains("wrote c/copy/"), "\(collect.stderr)")
    #expect(dir.read("c/copy/curves.csv") == dir.read("c/tuned/curves.csv"))
    #expect(names(dir, "c/tuned").map { dir.read("c/tuned/\($0)") } == original)
    #expect(symlink("tuned", dir.file("c/link")) == 0)
    let link = try Binary.run(["collect", "c/link"], directory: dir.path)
    #expect(link.status == 2 && link.stderr.contains("c/link: is a symbolic link (to tuned); collect the results folder itself"), "\(link.stderr)")
    let slash = try Binary.run(["collect", "c/link/", "--partial"], directory: dir.path)
    #expect(slash.status == 2 && slash.stderr.contains("c/link: is a symbolic link"), "\(slash.stderr)")
    #expect(names(dir, "c/tuned").map { dir.read("c/tuned/\($0)") } == original)
}

/// `report -o FILE`: the report goes between the markers, each alone on a line, begin first;
/// every other arrangement of markers in a file that is not an earlier report is refused
/// (exit 4), naming the lines, and the file is left as it was.
@Test func reportIntoAFileWithWrongMarkersIsRefusedAndTheFileKept() throws {
    let dir = gridWorkspace()
    #expect(try runGrid(dir, "small.json", out: "p", extra: ["--quiet"]).status == 0)
    let begin = "<!-- adam-bench report: begin -->", end = "<!-- adam-bench report: end -->"
    let refused: [(String, String)] = [
        ("# Notes\nsee \(end) below\n\(end)\ntext\n\(begin)\nmore\n", "has the report's end marker (line 3) before its begin marker (line 5)"),
        ("# Notes\n\(begin)\nold\n", "has the report's begin marker on line(s) 2 and its end marker on line(s) none"),
        ("# Notes\n\(end)\n", "has the report's begin marker on line(s) none and its end marker on line(s) 2"),
        ("\(begin)\n\(end)\n\(begin)\n\(end)\n", "has the report's begin marker on line(s) 1, 3 and its end marker on line(s) 2, 4"),
        ("# My project\nprose that mentions \(begin) and \(end) inline\n", "is not a report adam-bench wrote and has no report markers"),
    ]
    for (text, message) in refused {
        _ = dir.write(text, to: "README.md")
        let r = try Binary.run(["report", "p/tuned", "-o", "README.md"], directory: dir.path)
        #expect(r.status == 4 && r.stderr.contains("README.md: " + message), "\(r.status) \(r.stderr)")
        #expect(dir.read("README.md") == text)
    }
    _ = dir.write("# Notes\n\(begin)\nold\n\(end)\ntail\n", to: "README.md")
    let spliced = try Binary.run(["report", "p/tuned", "-o", "README.md"], directory: dir.path)
    #expect(spliced.status == 0, "\(spliced.stderr)")
    let readme = try #require(dir.read("README.md"))
    #expect(readme.hasPrefix("# Notes\n\(begin)\n") && readme.hasSuffix("\n\(end)\ntail\n") && readme.contains("## tuned") && !readme.contains("\nold\n"),
            "\(readme)")
    // A report written earlier, or an empty file, is replaced.
    for text in ["", "# adam-bench reproduction report\n\nold\n"] {
        _ = dir.write(text, to: "report.md")
        #expect(try Binary.run(["report", "p/tuned", "-o", "report.md"], directory: dir.path).status == 0)
        #expect(dir.read("report.md")?.hasPrefix("# adam-bench reproduction report\n\nGenerated by") == true)
    }
}
