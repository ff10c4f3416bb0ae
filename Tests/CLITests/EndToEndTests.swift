// The adam-bench binary run as a user runs it: commands, files written, exit statuses.
import Foundation
import TestSupport
import Testing

let tinyConfig = """
{"name": "e2e", "description": "tiny end-to-end run",
 "dataset": {"name": "mnist", "path": "m"},
 "model": {"kind": "logistic-regression", "l2": 0.0001},
 "training": {"epochs": 2, "batch_size": 32, "log_every": 2},
 "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.01},
          {"name": "adagrad", "optimizer": "adagrad", "lr": 0.1},
          {"name": "sgd-nesterov", "optimizer": "nesterov", "lr": 0.05}]}
"""

func workspace() throws -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("data/m"), train: 100, test: 40, gzip: true)
    _ = dir.write(tinyConfig, to: "e2e.json")
    return dir
}

@Test func versionAndHelp() throws {
    let version = try Binary.run(["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("adam-bench "))
    let help = try Binary.run(["--help"])
    #expect(help.status == 0 && help.stdout.contains("adam-bench run CONFIG..."))
    let config = try Binary.run(["help", "config"])
    #expect(config.status == 0 && config.stdout.contains("beta1_decay=1 (0, 1]"))
    let none = try Binary.run([])
    #expect(none.status == 2)
}

@Test func runWritesEveryResultFileAndReportsOnStderr() throws {
    let dir = try workspace()
    let out = try Binary.run(["run", "e2e.json", "--data-dir", "data", "--out", "res", "--threads", "2"], directory: dir.path)
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.isEmpty)  // results go to files, progress to stderr
    #expect(out.stderr.contains("e2e adam seed 1: epoch 2/2"))
    #expect(out.stderr.contains("wrote res/e2e/"))
    for file in ["curves.csv", "summary.csv", "timings.csv", "manifest.json"] {
        #expect(FileManager.default.fileExists(atPath: dir.file("res/e2e/\(file)")), "\(file)")
    }
    let curves = dir.read("res/e2e/curves.csv")!
    #expect(curves.hasPrefix("arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy\nadam,1,0,0,,2.3025851,"))
    let manifest = dir.read("res/e2e/manifest.json")!
    #expect(manifest.contains("\"content_sha256\"") && manifest.contains("\"threads\": 2"))
}

@Test func curvesAreByteIdenticalForOneAndTwoThreads() throws {
    let dir = try workspace()
    for threads in ["1", "2"] {
        let out = try Binary.run(["run", "e2e.json", "--out", "t\(threads)", "--threads", threads, "--quiet"],
                                 environment: ["ADAM_BENCH_DATA": dir.file("data")], directory: dir.path)
        #expect(out.status == 0 && out.stderr.isEmpty, "\(out.stderr)")
    }
    #expect(dir.read("t1/e2e/curves.csv") == dir.read("t2/e2e/curves.csv"))
    #expect(dir.read("t1/e2e/summary.csv") == dir.read("t2/e2e/summary.csv"))
}

@Test func overridesChangeTheRun() throws {
    let dir = try workspace()
    let out = try Binary.run(["run", "e2e.json", "--data-dir", "data", "--epochs", "1", "--seed", "5", "--arms", "adam", "--quiet"],
                             directory: dir.path)
    #expect(out.status == 0, "\(out.stderr)")
    let lines = dir.read("results/e2e/summary.csv")!.split(separator: "\n")
    #expect(lines.count == 2 && lines[1].hasPrefix("adam,5,ok,"))
}

@Test func validatePrintsThePlanAndTrainsNothing() throws {
    let dir = try workspace()
    let out = try Binary.run(["validate", "e2e.json", "--data-dir", "data"], directory: dir.path)
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.contains("e2e.json: ok"))
    #expect(out.stdout.contains("7850 parameters"))
    #expect(out.stdout.contains("2 epochs x 4 iterations (batch 32, shuffled) = 8 iterations per arm"))
    #expect(out.stdout.contains("sgd-nesterov  nesterov lr=0.05 momentum=0.9"))
    // The point count scripts read to shard a run (scripts/paper-queue.sh): 3 arms x 1 seed.
    #expect(out.stdout.contains("\n  points      3 ("))
    #expect(!FileManager.default.fileExists(atPath: dir.file("results")))
}

@Test func listShowsOptimizersWithDefaults() throws {
    let out = try Binary.run(["list", "optimizers"])
    #expect(out.status == 0 && out.stdout.contains("adamax") && out.stdout.contains("lr=0.002"))
    #expect(try Binary.run(["list", "nonsense"]).status == 2)
}

struct ExitCase: CustomTestStringConvertible, Sendable {
    let arguments: [String]
    let config: String?
    let status: Int32
    let message: String
    var testDescription: String { "\(arguments.joined(separator: " ")) → \(status)" }
}

let exitCases: [ExitCase] = [
    ExitCase(arguments: ["frobnicate"], config: nil, status: 2, message: "unknown command 'frobnicate'"),
    ExitCase(arguments: ["run"], config: nil, status: 2, message: "give at least one config file"),
    ExitCase(arguments: ["run", "e2e.json", "--threads", "0"], config: nil, status: 2, message: "--threads: must be a whole number >= 1, got '0'"),
    ExitCase(arguments: ["run", "e2e.json", "--epochs"], config: nil, status: 2, message: "--epochs needs a value"),
    ExitCase(arguments: ["run", "e2e.json", "--thread", "2"], config: nil, status: 2, message: "unknown option --thread"),
    ExitCase(arguments: ["run", "missing.json"], config: nil, status: 2, message: "missing.json: no such config file"),
    ExitCase(arguments: ["run", "e2e.json", "--arms", "adamw"], config: nil, status: 2, message: "--arms: no arm named \"adamw\""),
    ExitCase(arguments: ["run", "bad.json"], config: tinyConfig.replacingOccurrences(of: "\"lr\": 0.01", with: "\"lr\": 0.01, \"beta2\": 1.5"),
             status: 2, message: "bad.json: arms[0].beta2: must be in [0, 1), got 1.5"),
    ExitCase(arguments: ["run", "bad.json"], config: "{\"name\": \"x\",\n \"dataset\": }", status: 2, message: "bad.json: invalid JSON at line 2, column 13"),
    ExitCase(arguments: ["run", "e2e.json", "--data-dir", "nowhere"], config: nil, status: 3, message: "run `make data`"),
    ExitCase(arguments: ["validate", "e2e.json", "--data-dir", "broken"], config: nil, status: 3, message: "is truncated"),
    ExitCase(arguments: ["run", "e2e.json", "--data-dir", "data", "--out", "blocker/x"], config: nil, status: 4, message: "cannot create the results folder"),
]

@Test(arguments: exitCases)
func errorsHaveDocumentedExitStatusesAndSayWhatIsWrong(_ c: ExitCase) throws {
    let dir = try workspace()
    if let config = c.config { _ = dir.write(config, to: "bad.json") }
    // A data folder whose image file is cut short, and a file where a folder should go.
    try Fixtures.writeMNIST(to: dir.file("broken/m"), train: 20, test: 10)
    let images = dir.file("broken/m/train-images-idx3-ubyte")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
    try bytes.prefix(1000).write(to: URL(fileURLWithPath: images))
    _ = dir.write("not a folder", to: "blocker")
    let out = try Binary.run(c.arguments, directory: dir.path)
    #expect(out.status == c.status, "\(out.stderr)")
    #expect(out.stderr.contains(c.message), "\(out.stderr)")
    #expect(out.stderr.hasPrefix("adam-bench: error: "))
    #expect(!out.stderr.contains("Fatal error") && out.stderr.split(separator: "\n").count <= 4)
    // Nothing is written for an experiment that did not run.
    #expect(!FileManager.default.fileExists(atPath: dir.file("results/e2e")))
}

@Test func diffExitsZeroOneTwoThree() throws {
    let dir = try workspace()
    #expect(try Binary.run(["run", "e2e.json", "--data-dir", "data", "--quiet"], directory: dir.path).status == 0)
    let curves = dir.file("results/e2e/curves.csv")
    let same = try Binary.run(["diff", curves, curves])
    #expect(same.status == 0 && same.stdout.contains("equal within rtol 0.0, atol 0.0"))
    let text = dir.read("results/e2e/curves.csv")!
    let lines = text.split(separator: "\n")
    _ = dir.write(lines.dropLast().joined(separator: "\n") + "\n", to: "short.csv")
    let missing = try Binary.run(["diff", curves, dir.file("short.csv")])
    #expect(missing.status == 1 && missing.stdout.contains("1 row(s) missing in"))
    #expect(try Binary.run(["diff", curves, dir.file("nope.csv")]).status == 3)
    #expect(try Binary.run(["diff", curves]).status == 2)
    #expect(try Binary.run(["diff", curves, curves, "--rtol", "-1"]).status == 2)
}

@Test func plotWritesSVGNextToTheResults() throws {
    let dir = try workspace()
    #expect(try Binary.run(["run", "e2e.json", "--data-dir", "data", "--quiet"], directory: dir.path).status == 0)
    let out = try Binary.run(["plot", "results/e2e", "--log-y"], directory: dir.path)
    #expect(out.status == 0, "\(out.stderr)")
    let svg = dir.read("results/e2e/plot.svg") ?? ""
    #expect(svg.hasPrefix("<svg") && svg.contains(">sgd-nesterov</text>"))
    #expect(try Binary.run(["plot", "results/e2e", "-o", "both.svg", "--column", "test_accuracy"], directory: dir.path).status == 0)
    #expect(try Binary.run(["plot", "results/none"], directory: dir.path).status == 3)
    #expect(try Binary.run(["plot", "results/e2e", "--column", "loss"], directory: dir.path).status == 2)
}

@Test func sweepKilledMidPointResumesWithoutDuplicateOrMissingRows() throws {
    let dir = TemporaryDirectory()
    // Points long enough (a few tenths of a second in a debug build) to kill a process in one.
    let config = """
    {"name": "resume", "dataset": {"name": "rosenbrock"},
     "training": {"epochs": 20000, "log_every": 5000, "eval_every_epochs": 10000},
     "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.001}],
     "sweep": {"arm": "adam", "grid": {"lr": [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03]}}}
    """
    _ = dir.write(config, to: "resume.json")
    let reference = try Binary.run(["sweep", "resume.json", "--out", "ref", "--quiet"], directory: dir.path)
    #expect(reference.status == 0, "\(reference.stderr)")

    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binary.path)
    process.arguments = ["sweep", "resume.json", "--out", "res", "--quiet", "--threads", "1"]
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    try process.run()
    let points = dir.file("res/resume/points")
    var done: [String] = []
    for _ in 0..<2000 {
        done = ((try? FileManager.default.contentsOfDirectory(atPath: points)) ?? []).filter { $0.hasSuffix(".point") }
        if done.count >= 2 { break }
        usleep(5000)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(done.count >= 2 && done.count < 6, "killed after \(done.count) points")
    #expect(!FileManager.default.fileExists(atPath: dir.file("res/resume/curves.csv")))

    let resumed = try Binary.run(["sweep", "resume.json", "--out", "res"], directory: dir.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("already complete"))
    #expect(dir.read("res/resume/curves.csv") == dir.read("ref/resume/curves.csv"))
    #expect(dir.read("res/resume/summary.csv") == dir.read("ref/resume/summary.csv"))
    #expect(try Binary.run(["collect", "res/resume"], directory: dir.path).status == 0)
    #expect(dir.read("res/resume/curves.csv") == dir.read("ref/resume/curves.csv"))
    #expect(try Binary.run(["collect", "nowhere"], directory: dir.path).status == 4)
}

/// A variant as a user runs it: validate reads the variant's config (and refuses a missing one,
/// exit 2), both run into one --out, and report checks the primary's claims on each, with seeds.
@Test func variantsRunBesideThePrimaryAndReportChecksEachClaimOnThem() throws {
    let dir = try workspace()
    let primary = tinyConfig.replacingOccurrences(of: "\"training\": {\"epochs\": 2,", with: "\"training\": {\"epochs\": 2, \"seeds\": [1, 2],")
        .replacingOccurrences(of: "0.05}]}", with: """
        0.05}],
         "claims": [{"kind": "range", "series": "adam", "epoch": 2, "max": 2, "quote": "Adam learns"}],
         "variants": [{"name": "slow-adam", "config": "variants/slow.json"}]}
        """)
    _ = dir.write(primary, to: "e2e.json")
    let missing = try Binary.run(["validate", "e2e.json", "--data-dir", "data"], directory: dir.path)
    #expect(missing.status == 2 && missing.stderr.contains("e2e.json: variants[0].config: no such config file"), "\(missing.stderr)")
    _ = dir.write(tinyConfig.replacingOccurrences(of: "\"e2e\"", with: "\"e2e-slow-adam\"").replacingOccurrences(of: "\"lr\": 0.01", with: "\"lr\": 0.0001"),
                  to: "variants/slow.json")
    let plan = try Binary.run(["validate", "e2e.json", "--data-dir", "data"], directory: dir.path)
    #expect(plan.status == 0 && plan.stdout.contains("  variant     slow-adam: variants/slow.json, experiment e2e-slow-adam"), "\(plan.stdout)")
    for config in ["e2e.json", "variants/slow.json"] {
        let run = try Binary.run(["run", config, "--data-dir", "data", "--out", "res", "--quiet"], directory: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
    }
    // Two seeds: summary.csv gets each arm's aggregates after its seed rows.
    let summary = dir.read("res/e2e/summary.csv") ?? ""
    #expect(summary.contains("\nadam,1,") && summary.contains("\nadam,2,") && summary.contains("\nadam,mean,ok,") && summary.contains("\nadam,sd,ok,"))
    let report = try Binary.run(["report", "res/e2e"], directory: dir.path)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stdout.contains("**Robustness**") && report.stdout.contains("| claim | primary | slow-adam |"), "\(report.stdout)")
    // From 2.30 (ten classes) Adam at lr 0.01 gets below 2 in both seeds; at lr 1e-4 it barely moves.
    #expect(report.stdout.contains("| adam eval_train_loss at epoch 2 in [-inf, 2] | PASS (2 of 2) | FAIL |"), "\(report.stdout)")
    #expect(report.stdout.contains("| seeds | 2 | 1 |"))
    #expect(FileManager.default.fileExists(atPath: dir.file("res/e2e/report.svg")))
    #expect((dir.read("res/e2e/report.svg") ?? "").contains("class=\"seed-band\""))
}
