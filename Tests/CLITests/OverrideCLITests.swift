// The README's quick-run example (Usage: `--epochs 3 --arms adam`) end to end: it trains, merges
// and collects; `validate` with the same options says the same; the claims it cannot check are
// named on stderr, with --quiet too.
import Foundation
import TestSupport
import Testing

let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test func theReadmeQuickRunExampleTrainsMergesAndCollects() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("data/mnist"), train: 200, test: 50)
    let config = try String(contentsOf: projectRoot.appendingPathComponent("configs/mnist-logreg.json"), encoding: .utf8)
    _ = dir.write(config, to: "mnist-logreg.json")
    let env = ["ADAM_BENCH_DATA": dir.file("data")]
    let note = "note: mnist-logreg.json: claims[0] (ratio adam, sgd-nesterov) is left out of this run: arm \"sgd-nesterov\" is not among --arms adam"
    let validate = try Binary.run(["validate", "mnist-logreg.json", "--epochs", "3", "--arms", "adam"], environment: env, directory: dir.path)
    #expect(validate.status == 0 && validate.stderr.contains(note), "\(validate.stderr)")
    let run = try Binary.run(["run", "mnist-logreg.json", "--epochs", "3", "--arms", "adam", "--out", "res", "--quiet"],
                             environment: env, directory: dir.path)
    #expect(run.status == 0 && run.stderr.contains(note), "\(run.status) \(run.stderr)")
    // Five of the six claims name an arm that does not run.
    #expect(run.stderr.components(separatedBy: "note: ").count - 1 == 5, "\(run.stderr)")
    #expect(dir.read("res/mnist-logreg/curves.csv")?.contains("\nadam,1,3,") == true)
    let collect = try Binary.run(["collect", "res/mnist-logreg"], directory: dir.path)
    #expect(collect.status == 0, "\(collect.stderr)")
    let report = try Binary.run(["report", "res/mnist-logreg"], directory: dir.path)
    #expect(report.status == 0 && report.stdout.contains("mnist-logreg"), "\(report.stderr)")
    // --epochs alone: the run and its collect work with whatever claims it keeps.
    let short = try Binary.run(["run", "mnist-logreg.json", "--epochs", "2", "--out", "res2", "--quiet"], environment: env, directory: dir.path)
    #expect(short.status == 0, "\(short.stderr)")
    #expect(try Binary.run(["collect", "res2/mnist-logreg"], directory: dir.path).status == 0)
}
