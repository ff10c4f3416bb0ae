// The command line's overrides (--epochs, --arms, --seed) give a config that is valid as a whole
// before anything trains: what they leave out goes with them, claims that could no longer be
// checked are left out with a note, and the config recorded for `collect` and the manifest
// reads back (README, Usage).
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

/// Every config of the project, under every --arms of one arm, two arms, all but one and all,
/// and --epochs 1, 2, half and all: the overridden config reads back as it is (what
/// points/config.json records; a logistic regression's input dropout was once left out of it,
/// and so of its points' fingerprints), and it keeps exactly the claims it can still check.
@Test func everyOverrideOfEveryProjectConfigReadsBackWithOnlyCheckableClaims() throws {
    let folder = packageRoot.appendingPathComponent("configs").path
    let files = try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
    #expect(files.count >= 10)
    var checked = 0, dropped = 0
    for file in files {
        let config = try ExperimentConfig.load((folder as NSString).appendingPathComponent(file))
        let names = config.arms.map(\.name)
        var subsets: [[String]] = names.map { [$0] } + [names]
        for i in names.indices { for j in names.indices where j > i { subsets.append([names[i], names[j]]) } }
        if names.count > 2 { subsets += names.indices.map { i in names.enumerated().filter { $0.offset != i }.map(\.element) } }
        let e = config.training.epochs
        for arms in subsets {
            for epochs in Set([1, 2, max(1, e / 2), e]) {
                let o = ConfigOverrides(epochs: epochs, arms: arms)
                var notes: [String] = []
                let c = try config.applying(o, notes: &notes)
                #expect(try ExperimentConfig.parse(JSON.parse(c.resolvedJSON.rendered()), source: c.source) == c, "\(file) \(o)")
                #expect(c.arms.map(\.name) == arms && c.training.epochs == epochs)
                // Kept: every claim it can check; left out, with one note each: the others.
                let runNames = ExperimentConfig.claimArms(c.arms, sweep: c.sweep)
                for claim in c.claims {
                    #expect((claim.series + claim.among).allSatisfy(runNames.contains) && (claim.epoch ?? 0) <= epochs, "\(file) \(o)")
                }
                #expect(c.claims.count + notes.count == config.claims.count, "\(file) \(o): \(notes)")
                #expect(notes.allSatisfy { $0.contains("is left out of this run: ") }, "\(notes)")
                checked += 1
                dropped += notes.count
            }
        }
        // No override leaves every claim.
        #expect(try config.applying(ConfigOverrides()) == config, "\(file)")
    }
    #expect(checked > 300 && dropped > 100, "\(checked) overrides, \(dropped) claims left out")
}

/// A claim's note says which claim and why, in the words of the option that left it out.
@Test func overridesSayWhichClaimTheyLeaveOutAndWhy() throws {
    // Claims on arms and epochs of their own (Figure 1 (left)'s earlier claims), so the test does
    // not move when a figure's claims are rewritten.
    let text = """
    {"name": "claims", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]}, "training": {"epochs": 45},
     "arms": [{"name": "adam", "optimizer": "adam"}, {"name": "adagrad", "optimizer": "adagrad"},
              {"name": "sgd-nesterov", "optimizer": "nesterov", "lr": 0.01}],
     "claims": [{"kind": "order", "series": ["adam", "adagrad"], "epoch": 45},
                {"kind": "order", "series": ["sgd-nesterov", "adagrad"], "epoch": 45},
                {"kind": "reaches-first", "series": "adam", "other": "sgd-nesterov", "target": 0.26},
                {"kind": "never-diverges"}]}
    """
    var config = try ExperimentConfig.parse(JSON.parse(text))
    config.source = "claims.json"
    var notes: [String] = []
    let c = try config.applying(ConfigOverrides(epochs: 3, arms: ["adam"]), notes: &notes)
    #expect(c.claims.count == 1 && c.claims[0].kind == .neverDiverges)
    #expect(notes.count == 3)
    #expect(notes[0].hasSuffix("claims.json: claims[0] (order adam, adagrad) is left out of this run: arm \"adagrad\" is not among --arms adam"), "\(notes)")
    notes = []
    let epochs = try config.applying(ConfigOverrides(epochs: 44), notes: &notes)
    #expect(epochs.claims.count == 2 && notes.count == 2 && notes[0].hasSuffix("it reads epoch 45, beyond --epochs 44"), "\(notes)")
    // An epoch claim reading exactly the last epoch is kept.
    notes = []
    #expect(try config.applying(ConfigOverrides(epochs: 45), notes: &notes).claims.count == 4 && notes.isEmpty)
}

/// --arms with tune.arm_grids: the grids of arms not run go, and so does the shared grid when
/// every arm left has its own; the points train and collect.
@Test func armsOverrideOfATunedConfigDropsTheGridsOfArmsNotRun() throws {
    let text = """
    {"name": "tuned", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
     "training": {"epochs": 30, "seeds": [1, 2]},
     "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.01}, {"name": "adam", "optimizer": "adam"}],
     "tune": {"grid": {"lr": [0.001, 0.05]}, "arm_grids": {"sgd": {"lr": [0.01, 0.1]}}},
     "claims": [{"kind": "order", "series": ["adam", "sgd"], "epoch": 30}]}
    """
    let config = try ExperimentConfig.parse(JSON.parse(text))
    #expect(config.tune?.armGrids.map(\.arm) == ["sgd"] && config.claims.count == 1)
    for (arms, grid, armGrids, runs) in [(["sgd"], [GridAxis](), ["sgd"], ["sgd[lr=0.01]", "sgd[lr=0.1]"]),
                                         (["adam"], config.tune!.grid, [], ["adam[lr=0.001]", "adam[lr=0.05]"])] {
        var notes: [String] = []
        let c = try config.applying(ConfigOverrides(epochs: 4, arms: arms), notes: &notes)
        #expect(c.tune?.grid == grid && c.tune?.armGrids.map(\.arm) == armGrids && c.runArms.map(\.name) == runs)
        #expect(c.claims.isEmpty && notes.count == 1, "\(notes)")
        let out = TemporaryDirectory()
        let ran = try Points.run(c, problem: try c.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
        #expect(ran.ran == 4)
        _ = try Points.collect(directory: out.file("tuned"))
        #expect(out.read("tuned/tuning.csv") != nil)
    }
}

/// A sweep under --epochs keeps the read epochs it reaches and the claims on them; under --arms
/// without its arm the sweep goes, with its claims.
@Test func overridesOfASweepKeepOnlyWhatItStillReads() throws {
    let json = sweepConfig.replacingOccurrences(of: "\"read_epochs\": [10, 20]}", with: """
        "read_epochs": [10, 20]},
         "claims": [{"kind": "best-point", "where": {"beta1": 0.9}, "epoch": 20, "hyperparameter": "lr", "max": 1},
                    {"kind": "best-point", "where": {"beta1": 0.9}, "epoch": 10, "hyperparameter": "lr", "max": 1},
                    {"kind": "never-diverges", "series": "sgd"}]
        """)
    let config = try ExperimentConfig.parse(JSON.parse(json))
    var notes: [String] = []
    let shorter = try config.applying(ConfigOverrides(epochs: 15), notes: &notes)
    #expect(shorter.sweep?.readEpochs == [10] && shorter.claims.map(\.epoch) == [10, nil] && notes.count == 1, "\(notes)")
    notes = []
    let sgd = try config.applying(ConfigOverrides(arms: ["sgd"]), notes: &notes)
    #expect(sgd.sweep == nil && sgd.claims.map(\.kind) == [.neverDiverges] && notes.count == 2, "\(notes)")
    #expect(notes[0].contains("claims[0] (best-point) is left out of this run: it reads the sweep's points"), "\(notes)")
    let out = TemporaryDirectory()
    _ = try Points.run(shorter, problem: try shorter.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("grid"))
    let section = try Report.section(directory: out.file("grid"), paper: nil, image: "p.svg")
    #expect(section.outcomes.count == 2)
}
