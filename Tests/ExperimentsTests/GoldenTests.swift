// Golden curves: small, fast, deterministic configs (configs/golden/) whose curves.csv and
// summary.csv are committed under results/golden/. A change that moves a curve fails here until
// the files are regenerated on purpose with `make update-golden` (UPDATE_GOLDEN=1).
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Tolerance for other CPUs and C libraries: results here are bit-exact on one machine, but
/// expf/logf may differ in the last bit elsewhere and training amplifies that a little.
let goldenRelativeTolerance = 1e-3, goldenAbsoluteTolerance = 1e-6

@Test(arguments: ["quadratic", "rosenbrock", "logreg", "mlp"])
func goldenCurvesMatch(_ name: String) throws {
    let config = try ExperimentConfig.load(packageRoot.appendingPathComponent("configs/golden/\(name).json").path)
    let data = TemporaryDirectory()
    try Fixtures.writeMNIST(to: data.file("golden-mnist"), train: 256, test: 64, gzip: true)
    let problem = try config.loadProblem(dataDirectory: data.path)
    let results = ExperimentRunner.train(config, problem: problem, threads: 2, progress: nil)
    let folder = packageRoot.appendingPathComponent("results/golden/\(config.name)")
    for (file, text) in [("curves.csv", CurvesCSV.render(results)), ("summary.csv", SummaryCSV.render(results))] {
        let path = folder.appendingPathComponent(file).path
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            continue
        }
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("no golden file \(path); run `make update-golden` and commit it")
            continue
        }
        let diff = ResultsDiff.compare(expected: try CSVTable.read(path), actual: try CSVTable.parse(text, path: "this run"),
                                       rtol: goldenRelativeTolerance, atol: goldenAbsoluteTolerance)
        #expect(diff.isEqual, "\(path) moved:\n\(diff.report(expectedPath: path, actualPath: "this run", rtol: goldenRelativeTolerance, atol: goldenAbsoluteTolerance))")
    }
}

/// Every config shipped in configs/ (the figures, their searches, the golden runs) parses: a
/// change to the config language cannot leave a figure's config behind unnoticed.
@Test func everyShippedConfigParses() throws {
    let root = packageRoot.appendingPathComponent("configs").path
    let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
    #expect(files.count >= 20)
    for file in files {
        do { _ = try ExperimentConfig.load((root as NSString).appendingPathComponent(file)) } catch {
            Issue.record("configs/\(file): \(error)")
        }
    }
}

/// Each figure's config in configs/ still describes its committed points: every point's
/// fingerprint, from the config as shipped and the data files the run recorded, matches the
/// committed point file's, so claims, variants and plot settings can change without a point
/// going stale (Figure 3's too: a direct convolution leaves model.conv_algorithm out of the
/// fingerprint, as its points were trained before the choice existed).
@Test func figureConfigsStillFitTheirCommittedPoints() throws {
    // Figure 1 (right)'s points predate logistic regression's input dropout in the fingerprint
    // (before it, a changed dropout reused old points): they train again on the next run.
    let figures = [("mnist-logreg", "figure1-left"), ("mnist-mlp-dropout", "figure2a"), ("mnist-mlp-sfo", "figure2b"), ("vae-bias-correction", "figure4"),
                   ("cifar10-cnn", "figure3")]
    for (name, figure) in figures {
        let config = try ExperimentConfig.load(packageRoot.appendingPathComponent("configs/\(name).json").path)
        let results = packageRoot.appendingPathComponent("results/paper/\(figure)/\(name)").path
        let (_, files, points) = try Points.recordedConfig(results)
        let all = ExperimentRunner.points(config)
        #expect(all.count > 0)
        for (i, point) in all.enumerated() {
            let file = Points.pointPath(points, i)
            guard FileManager.default.fileExists(atPath: file) else { Issue.record("\(file) is missing"); continue }
            #expect(try Points.readPoint(file).fingerprint == config.fingerprint(point.arm, seed: point.seed, files: files), "configs/\(name).json, point \(i)")
        }
    }
}
