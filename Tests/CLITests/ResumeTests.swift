// Runs that survive: the binary killed (SIGKILL) at several moments, including half-way through
// writing a checkpoint, and rerun, ends with the bytes of a run that never stopped; `run --shard`
// plus `collect` equals one process; `params` prints the tensors.
import Foundation
import TestSupport
import Testing

let resumeConfig = """
{"name": "survive", "dataset": {"name": "mnist", "path": "m"},
 "model": {"kind": "mlp", "hidden": [24], "dropout": {"input": 0.2, "hidden": 0.5}},
 "training": {"epochs": 6, "batch_size": 16, "log_every": 5, "seeds": [1, 2]},
 "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.003, "averaging": "polyak"},
          {"name": "nesterov", "optimizer": "nesterov", "lr": 0.05, "momentum": 0.9}]}
"""

func resumeWorkspace() throws -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("data/m"), train: 200, test: 40, rows: 10, cols: 10)
    _ = dir.write(resumeConfig, to: "survive.json")
    return dir
}

func runSurvive(_ dir: TemporaryDirectory, out: String, fault: String? = nil, extra: [String] = [], killAfter: Double? = nil) throws -> Binary.Output {
    var env = ["ADAM_BENCH_DATA": dir.file("data")]
    if let fault { env["ADAM_BENCH_FAULT"] = fault }
    return try Binary.run(["run", "survive.json", "--out", out, "--threads", "2"] + extra, environment: env,
                          directory: dir.path, killAfter: killAfter)
}

func leftovers(_ dir: TemporaryDirectory, _ out: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.file("\(out)/survive/points"))) ?? [])
        .filter { !$0.hasSuffix(".point") && $0 != "config.json" }
}

@Test func killedDuringAndBetweenCheckpointsAndRerunGivesTheSameBytes() throws {
    let dir = try resumeWorkspace()
    let reference = try runSurvive(dir, out: "ref", extra: ["--quiet"])
    #expect(reference.status == 0, "\(reference.stderr)")
    // Each sequence is a series of faults, each killing the process once; then a clean rerun.
    let sequences: [[String]] = [
        ["kill-during-checkpoint:1"],
        ["kill-after-checkpoint:2", "kill-during-checkpoint:4"],
        ["kill-during-checkpoint:3", "kill-during-checkpoint:3", "kill-after-checkpoint:5"],
    ]
    for (n, faults) in sequences.enumerated() {
        let out = "killed\(n)"
        for fault in faults {
            let killed = try runSurvive(dir, out: out, fault: fault)
            #expect(killed.status == 9, "\(fault) did not kill: \(killed.status) \(killed.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("\(out)/survive/curves.csv")))
        }
        let finished = try runSurvive(dir, out: out)
        #expect(finished.status == 0, "\(finished.stderr)")
        for file in ["curves.csv", "summary.csv"] {
            #expect(dir.read("ref/survive/\(file)") == dir.read("\(out)/survive/\(file)"), "\(faults): \(file)")
        }
        // Checkpoints and the half-written temporaries of dead processes are gone.
        #expect(leftovers(dir, out).isEmpty, "\(leftovers(dir, out))")
        // A rerun of a finished run trains nothing and rewrites the same results.
        let again = try runSurvive(dir, out: out)
        #expect(again.stderr.contains("ran 0 points, 4 already complete"), "\(again.stderr)")
        #expect(dir.read("ref/survive/curves.csv") == dir.read("\(out)/survive/curves.csv"))
    }
}

@Test func killedAtRandomMomentsAndRerunGivesTheSameBytes() throws {
    let dir = try resumeWorkspace()
    let start = Date()
    let reference = try runSurvive(dir, out: "ref", extra: ["--quiet"])
    let length = Date().timeIntervalSince(start)
    #expect(reference.status == 0, "\(reference.stderr)")
    // Kills spread over the run: early (before the first checkpoint), middle and late.
    var kills = 0
    for fraction in [0.15, 0.4, 0.55, 0.7, 0.85] {
        let r = try runSurvive(dir, out: "timed", extra: ["--quiet"], killAfter: length * fraction)
        if r.status == 9 { kills += 1 }
    }
    let finished = try runSurvive(dir, out: "timed", extra: ["--quiet"])
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(kills >= 1, "no run was killed (the reference took \(length) s)")
    for file in ["curves.csv", "summary.csv"] {
        #expect(dir.read("ref/survive/\(file)") == dir.read("timed/survive/\(file)"), "\(file) after \(kills) kills")
    }
}

@Test func runShardsPlusCollectEqualOneProcess() throws {
    let dir = try resumeWorkspace()
    #expect(try runSurvive(dir, out: "one", extra: ["--quiet"]).status == 0)
    for shard in ["0/3", "1/3", "2/3"] {
        let r = try runSurvive(dir, out: "many", extra: ["--shard", shard])
        #expect(r.status == 0 && r.stderr.contains("when every shard is done: adam-bench collect"), "\(r.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.file("many/survive/curves.csv")))
    let collect = try Binary.run(["collect", "many/survive"], directory: dir.path)
    #expect(collect.status == 0, "\(collect.stderr)")
    for file in ["curves.csv", "summary.csv"] { #expect(dir.read("one/survive/\(file)") == dir.read("many/survive/\(file)"), "\(file)") }
    let bad = try runSurvive(dir, out: "many", extra: ["--shard", "3/3"])
    #expect(bad.status == 2 && bad.stderr.contains("--shard"))
    // timings.csv has the checkpoint column; epochs before the last carry a checkpoint cost.
    let timings = dir.read("one/survive/timings.csv")!.split(separator: "\n")
    #expect(timings[0] == "arm,seed,epoch,wall_seconds,train_seconds,eval_seconds,checkpoint_seconds,examples_per_second")
    let rows = timings.dropFirst().map { $0.split(separator: ",") }
    #expect(rows.count == 4 * 6)
    for r in rows {
        let epoch = Int(r[2])!, cost = Double(r[6])!
        #expect(epoch == 6 ? cost == 0 : cost > 0, "\(r)")
    }
}

@Test func paramsPrintsTheTensorsInPyTorchsOrder() throws {
    let dir = try resumeWorkspace()
    let out = try Binary.run(["params", "survive.json", "--data-dir", "data"], directory: dir.path)
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout == "name,shape,offset,count,init\nfc1.weight,24x100,0,2400,glorot-uniform\nfc1.bias,24,2400,24,zeros\nfc2.weight,10x24,2424,240,glorot-uniform\nfc2.bias,10,2664,10,zeros\n")
    let standard = try Binary.run(["params", "survive.json", "--data-dir", "nowhere"], directory: dir.path)
    #expect(standard.status == 0 && standard.stdout.contains("fc1.weight,24x784,0,18816") && standard.stderr.contains("standard mnist"))
    let missing = try Binary.run(["params"], directory: dir.path)
    #expect(missing.status == 2)
}

@Test(arguments: ["4611686018427387904", "9223372036854775807", "1000001"])
func hugeEpochCountsAreRefusedNotTrapped(_ epochs: String) throws {
    let dir = try resumeWorkspace()
    let r = try runSurvive(dir, out: "huge", extra: ["--epochs", epochs])
    #expect(r.status == 2 && r.stderr.contains("--epochs: must be at most 1000000"), "\(r.status) \(r.stderr)")
    let threads = try Binary.run(["run", "survive.json", "--data-dir", "data", "--threads", "100000"], directory: dir.path)
    #expect(threads.status == 2 && threads.stderr.contains("--threads: must be at most 1024"))
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"epochs\": 6", with: "\"epochs\": 1e18"), to: "big.json")
    let config = try Binary.run(["validate", "big.json", "--data-dir", "data"], directory: dir.path)
    #expect(config.status == 2 && config.stderr.contains("training.epochs: must be at most 1000000, got 1e+18"), "\(config.stderr)")
}

@Test func twoConfigsWithOneNameAreRefusedBeforeAnyTraining() throws {
    let dir = try resumeWorkspace()
    _ = dir.write(resumeConfig.replacingOccurrences(of: "\"lr\": 0.003", with: "\"lr\": 0.01"), to: "other.json")
    let r = try Binary.run(["run", "survive.json", "other.json", "--data-dir", "data", "--out", "res"], directory: dir.path)
    #expect(r.status == 2 && r.stderr.contains("survive.json and other.json both have \"name\": \"survive\""), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.file("res/survive")))
}

@Test func controlCharactersFromAConfigNeverReachTheTerminalRaw() throws {
    let dir = try resumeWorkspace()
    // An optimizer name and an unknown key carrying ESC[2J, an OSC title sequence, BEL and NUL.
    for bad in ["\"optimizer\": \"\\u001b[2Jadam\"", "\"\\u001b]0;owned\\u0007\\u0000key\": 1, \"optimizer\": \"adam\""] {
        _ = dir.write(resumeConfig.replacingOccurrences(of: "\"optimizer\": \"adam\"", with: bad), to: "evil.json")
        let r = try Binary.run(["validate", "evil.json", "--data-dir", "data"], directory: dir.path)
        #expect(r.status == 2)
        #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(r.stderr.debugDescription)")
        #expect(r.stderr.contains("\\u{1B}"), "\(r.stderr)")
    }
}

/// `collect --partial` on a run still going: a finished point whole, a killed one up to its last
/// checkpoint (the same rows the finished run has there), points not started left out; the
/// plain collect refuses and points to --partial.
@Test func partialCollectShowsWhatARunningRunHasSoFar() throws {
    let dir = try resumeWorkspace()
    let reference = try runSurvive(dir, out: "ref", extra: ["--quiet"])
    #expect(reference.status == 0, "\(reference.stderr)")
    let nothing = try Binary.run(["collect", "part/survive", "--partial"], directory: dir.path)
    #expect(nothing.status == 4)  // no run there yet
    // Point 0 (adam, seed 1) finishes; point 1 (adam, seed 2) is killed after its epoch-2 checkpoint.
    #expect(try runSurvive(dir, out: "part", extra: ["--shard", "0/4", "--quiet"]).status == 0)
    #expect(try runSurvive(dir, out: "part", fault: "kill-after-checkpoint:2", extra: ["--shard", "1/4"]).status == 9)
    let refused = try Binary.run(["collect", "part/survive"], directory: dir.path)
    #expect(refused.status == 4 && refused.stderr.contains("--partial"), "\(refused.stderr)")
    let partial = try Binary.run(["collect", "part/survive", "--partial"], directory: dir.path)
    #expect(partial.status == 0, "\(partial.stderr)")
    #expect(partial.stderr.contains("adam seed 1: 6 of 6 epochs\n") && partial.stderr.contains("adam seed 2: 2 of 6 epochs (checkpoint)")
            && partial.stderr.contains("nesterov seed 1: not started"), "\(partial.stderr)")
    func rows(_ text: String, _ prefix: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix(prefix) } }
    let full = try #require(dir.read("ref/survive/curves.csv")), got = try #require(dir.read("part/survive-partial/curves.csv"))
    #expect(rows(got, "adam,1,") == rows(full, "adam,1,") && !rows(full, "adam,1,").isEmpty)
    let running = rows(got, "adam,2,")
    #expect(!running.isEmpty && running.count < rows(full, "adam,2,").count)
    #expect(Array(rows(full, "adam,2,").prefix(running.count)) == running)
    #expect(running.last.map { $0.split(separator: ",")[2] } == "2")  // the last row is the end of epoch 2
    #expect(rows(got, "nesterov,").isEmpty)
    #expect(dir.read("part/survive-partial/manifest.json")!.contains("PARTIAL (collect --partial"))
    // The run itself is untouched and resumes to the reference's bytes.
    #expect(try runSurvive(dir, out: "part", extra: ["--quiet"]).status == 0)
    #expect(dir.read("part/survive/curves.csv") == full)
}

/// `validate` says what a row's train_loss averages over, so a config meant to plot each epoch's
/// training cost shows when it would plot a mean over several epochs instead.
@Test func validateSaysWhatTrainLossAveragesOver() throws {
    let dir = try resumeWorkspace()
    // 200 examples in batches of 16: 13 iterations per epoch.
    let cases = [("\"log_every\": 5", "train_loss: the mean over the iterations since the previous row (5, or fewer at an evaluation)"),
                 ("\"log_every\": 13", "train_loss: the mean of each epoch (13 iterations a row)"),
                 ("\"log_every\": 0", "train_loss: the mean of each epoch (a row per epoch)"),
                 ("\"log_every\": 0, \"eval_every_epochs\": 3", "train_loss: the mean over the 3 epochs before each evaluation; set log_every to 13 for each epoch's mean")]
    for (setting, meaning) in cases {
        _ = dir.write(resumeConfig.replacingOccurrences(of: "\"log_every\": 5", with: setting), to: "rows.json")
        let r = try Binary.run(["validate", "rows.json", "--data-dir", "data"], directory: dir.path)
        #expect(r.status == 0 && r.stdout.contains(meaning), "\(setting): \(r.stdout)")
    }
}
