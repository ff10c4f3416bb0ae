// What a careless or hostile user found (issue 9), end to end through the binary: damaged point
// files, a full disk while results are replaced, misleading messages, progress totals.
import Foundation
import TestSupport
import Testing

/// Point files damaged in each way the report names: `collect` refuses them naming the file
/// (exit 4) and a rerun trains the damaged point again, ending with the reference bytes.
@Test func damagedPointFilesAreRefusedByCollectAndRetrainedByRun() throws {
    let dir = try resumeWorkspace()
    #expect(try runSurvive(dir, out: "ref", extra: ["--quiet"]).status == 0)
    for shard in ["0/2", "1/2"] { #expect(try runSurvive(dir, out: "d", extra: ["--quiet", "--shard", shard]).status == 0) }
    let file = dir.file("d/survive/points/00001.point")
    let whole = try String(contentsOfFile: file, encoding: .utf8)
    var lines = whole.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeLast()  // the empty string after the last line break
    let damages: [(String, String)] = [
        ("cut short by 3 bytes", String(whole.dropLast(3))),
        ("missing its last rows", (lines.dropLast(3) + [lines.last!]).joined(separator: "\n") + "\n"),
        ("status weird", whole.replacingOccurrences(of: "# status ok", with: "# status weird")),
        ("empty", ""),
        ("rows after the end line", whole + lines[lines.count - 2] + "\n"),
    ]
    for (what, text) in damages {
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        let collect = try Binary.run(["collect", "d/survive"], directory: dir.path)
        #expect(collect.status == 4, "\(what): \(collect.status) \(collect.stderr)")
        #expect(collect.stderr.contains("00001.point: is a damaged point file"), "\(what): \(collect.stderr)")
        let rerun = try runSurvive(dir, out: "d")
        #expect(rerun.status == 0, "\(what): \(rerun.stderr)")
        #expect(rerun.stderr.contains("1 point files are damaged") && rerun.stderr.contains("ran 1 points, 3 already complete"),
                "\(what): \(rerun.stderr)")
        for name in ["curves.csv", "summary.csv"] {
            #expect(dir.read("ref/survive/\(name)") == dir.read("d/survive/\(name)"), "\(what): \(name)")
        }
        // Rewritten whole (its timings differ, its rows do not).
        let rewritten = try String(contentsOfFile: file, encoding: .utf8)
        func rows(_ t: String) -> [Substring] { t.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        #expect(rows(rewritten) == rows(whole) && rewritten.contains("\n# end "), "\(what): the point file was not rewritten whole")
    }
}

/// On a disk too full for the new results (here: a file-size limit under which the point files
/// fit but curves.csv does not), the rerun fails (exit 4) and every old result file is left as
/// it was: none of the new run's files stand beside the old ones, no temporaries remain.
@Test func aFullDiskLeavesTheOldResultsWhole() throws {
    let dir = try resumeWorkspace()
    let resultFiles = ["curves.csv", "summary.csv", "timings.csv", "manifest.json"]
    #expect(try runSurvive(dir, out: "r", extra: ["--quiet", "--epochs", "1"]).status == 0)
    let old = resultFiles.map { dir.read("r/survive/\($0)") }
    // The sizes of a full run, to place the limit between the largest point file (or the
    // config record) and curves.csv.
    #expect(try runSurvive(dir, out: "sizes", extra: ["--quiet", "--epochs", "20"]).status == 0)
    func size(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: dir.file(path)))?[.size] as? Int) ?? 0 }
    let largestPoint = ((0..<4).map { size("sizes/survive/points/0000\($0).point") } + [size("sizes/survive/points/config.json")]).max()!
    let curves = size("sizes/survive/curves.csv")
    let limitKiB = (largestPoint / 1024) + 1
    try #require(largestPoint < limitKiB * 1024 && limitKiB * 1024 < curves, "point \(largestPoint) B, curves \(curves) B")
    let full = try Binary.run(["run", "survive.json", "--out", "r", "--threads", "2", "--quiet", "--epochs", "20"],
                              environment: ["ADAM_BENCH_DATA": dir.file("data")], directory: dir.path, fileSizeLimit: limitKiB)
    #expect(full.status == 4 && full.stderr.contains("curves.csv: cannot be written"), "\(full.status) \(full.stderr)")
    #expect(resultFiles.map { dir.read("r/survive/\($0)") } == old, "old result files were replaced")
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.file("r/survive"))
    #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
    // With room again, the rerun uses the finished points and replaces all four files.
    let again = try runSurvive(dir, out: "r", extra: ["--epochs", "20"])
    #expect(again.status == 0 && again.stderr.contains("ran 0 points, 4 already complete"), "\(again.stderr)")
    for name in ["curves.csv", "summary.csv"] { #expect(dir.read("r/survive/\(name)") == dir.read("sizes/survive/\(name)"), "\(name)") }
    // The manifest lists the SHA-256 of the files written with it.
    #expect(dir.read("r/survive/manifest.json")!.contains("\"result_files\""))
}

/// Models that cannot fit (issue 9, class 2) are refused before anything is allocated, by
/// `validate` and `run` alike (exit 2, both figures in the message, no results folder); a model
/// that fits gets its estimate printed by `validate`.
@Test(arguments: ["[100000, 100000]", "[1e9]", "[1e15, 1e15]"])
func modelsThatCannotFitAreRefusedBeforeAllocating(_ hidden: String) throws {
    let dir = try resumeWorkspace()
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"hidden\": [24]", with: "\"hidden\": \(hidden)"), to: "huge.json")
    let env = ["ADAM_BENCH_DATA": dir.file("data")]
    for command in ["validate", "run"] {
        let start = Date()
        let r = try Binary.run([command, "huge.json", "--out", "out"], environment: env, directory: dir.path)
        #expect(r.status == 2, "\(command): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("huge.json: model: needs about") && r.stderr.contains("but this machine has"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 10, "\(command) took \(Date().timeIntervalSince(start)) s")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.file("out/survive")))
    let ok = try Binary.run(["validate", "survive.json"], environment: env, directory: dir.path)
    #expect(ok.status == 0 && ok.stdout.contains("memory      about") && ok.stdout.contains("mlp, 2674 parameters"), "\(ok.stdout)")
    // A batch larger than the data is full batch, and validate says so.
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"batch_size\": 16", with: "\"batch_size\": 1000"), to: "big-batch.json")
    let big = try Binary.run(["validate", "big-batch.json"], environment: env, directory: dir.path)
    #expect(big.status == 0 && big.stdout.contains("batch_size 1000 is more than the 200 training examples: each step is full batch"), "\(big.stdout)")
}

/// Every message names the file, the JSON path or flag, what was found and what is expected
/// (issue 9, class 10).
@Test func messagesSayWhatWasFoundAndWhatIsExpected() throws {
    let dir = try resumeWorkspace()
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"training\"", with: "\"trainig\""), to: "misspelt.json")
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"lr\": 0.003", with: "\"lr\": \"0.05\""), to: "string.json")
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"epochs\": 6", with: "\"epochs\": 1e18"), to: "epochs.json")
    #expect(symlink("loop-b", dir.file("loop-a")) == 0 && symlink("loop-a", dir.file("loop-b")) == 0)
    try FileManager.default.createDirectory(atPath: dir.file("folder.json"), withIntermediateDirectories: false)
    let cases: [(String, String)] = [
        ("misspelt.json", "misspelt.json: training: is required; the config has \"trainig\": did you mean \"training\"?"),
        ("string.json", "string.json: arms[0].lr: must be a number, got the string \"0.05\" (write it without quotes)"),
        ("epochs.json", "epochs.json: training.epochs: must be at most 1000000, got 1e+18"),
        ("loop-a", "loop-a: is a loop of symbolic links"),
        ("folder.json", "folder.json: is a directory, not a file"),
        ("/dev/null", "/dev/null: is a character device, not a regular file"),
    ]
    for (file, message) in cases {
        let r = try Binary.run(["validate", file], environment: ["ADAM_BENCH_DATA": dir.file("data")], directory: dir.path)
        #expect(r.status == 2 && r.stderr.contains(message), "\(file): \(r.status) \(r.stderr)")
    }
    // A corrupt points/config.json is named by collect.
    try FileManager.default.createDirectory(atPath: dir.file("r/x/points"), withIntermediateDirectories: true)
    _ = dir.write("{\"config\": {", to: "r/x/points/config.json")
    let collect = try Binary.run(["collect", "r/x"], directory: dir.path)
    #expect(collect.status == 4 && collect.stderr.contains("r/x/points/config.json: is not valid JSON (line 1, column 13"), "\(collect.stderr)")
    // Command-line and environment mistakes.
    let env = ["ADAM_BENCH_DATA": dir.file("data")]
    for (arguments, environment, message) in [(["--arms", "adam,adam"], env, "--arms: 'adam' is named twice"),
                                              (["--arms", "adam,"], env, "--arms: give arm names separated by commas"),
                                              ([], ["ADAM_BENCH_DATA": ""], "ADAM_BENCH_DATA is set but empty")] {
        let r = try Binary.run(["validate", "survive.json"] + arguments, environment: environment, directory: dir.path)
        #expect(r.status == 2 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
}

/// A sweep's progress counts the epochs its expanded grid will run (issue 9, class 11): every
/// ETA is a non-negative duration (before, counting the arms before the grid expanded them,
/// the ETA went below zero once the first arm's share was done).
@Test func sweepProgressNeverShowsANegativeETA() throws {
    let dir = TemporaryDirectory()
    _ = dir.write("""
    {"name": "eta", "dataset": {"name": "rosenbrock"},
     "training": {"epochs": 300, "log_every": 100, "eval_every_epochs": 100},
     "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.001}, {"name": "sgd", "optimizer": "sgd", "lr": 0.0001}],
     "sweep": {"arm": "adam", "grid": {"lr": [0.0001, 0.001, 0.01, 0.1]}}}
    """, to: "eta.json")
    let r = try Binary.run(["sweep", "eta.json", "--threads", "1"], directory: dir.path)
    #expect(r.status == 0, "\(r.stderr)")
    let etas = r.stderr.split(separator: "\n").compactMap { line in line.range(of: "ETA ").map { String(line[$0.upperBound...]) } }
    #expect(etas.count >= 4 && etas.allSatisfy { !$0.hasPrefix("-") && $0 != "?" }, "\(etas)")
}
