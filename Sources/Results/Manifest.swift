// manifest.json: everything needed to trace a result back to its inputs and machine.
import Config
import Datasets
import Foundation
import Optim

public enum Manifest {
    public static func render(config: ExperimentConfig, files: [DataFile], threads: Int,
                              started: Date, finished: Date, results: [ArmResult], tuning: [TuneChoice] = [],
                              halving: HalvingRecord? = nil, resultFiles: [(name: String, sha256: String)] = []) -> String {
        let iso = ISO8601DateFormatter()
        let arms: [JSON] = results.map { r in
            var pairs: [(String, JSON)] = [("arm", .string(r.arm.name)), ("seed", .number(Double(r.seed))),
                                           ("wall_seconds", .number((r.wallSeconds * 1000).rounded() / 1000))]
            switch r.status {
            case .ok: pairs.append(("status", .string("ok")))
            case .diverged(let t): pairs += [("status", .string("diverged")), ("diverged_at_iteration", .number(Double(t)))]
            }
            let evaluation = r.arm.averaging.map { "averaged parameters: \($0.name)" } ?? "current parameters"
            pairs.append(("evaluation_uses", .string(evaluation)))
            return .object(pairs)
        }
        // A tuned run: each arm's pick, its score, and the searched keys it took at a grid's end.
        let picks: [JSON] = tuning.map { t in
            .object([("arm", .string(t.arm)), ("chosen", .string(t.point)),
                     ("score", t.score.map { .number($0) } ?? .null),
                     ("at_grid_edge", .array(t.edges.map { e in
                         .object([("key", .string(e.key)), ("value", .number(e.value)), ("side", .string(e.side)),
                                  ("grid", .array(e.grid.map { .number($0) })), ("config_path", .string(e.path))])
                     })),
                     ("best_since_epoch", t.bestSince.map { .number($0) } ?? .null),
                     ("best_before", t.bestBefore.map { .string($0) } ?? .null),
                     ("by_rule", .array(t.byRule.map { pick in
                         .object([("rule", .string(pick.rule.name)), ("describe", .string(pick.rule.description)),
                                  ("chosen", pick.point.map { .string($0) } ?? .null), ("score", pick.score.map { .number($0) } ?? .null)])
                     }))])
        }
        var root: JSON = .object([
            ("adam_bench_version", .string(AdamBench.version)),
            ("config_file", .string(config.source)),
            ("config", config.resolvedJSON),
            ("data_files", .array(files.map { f in .object(f.json.map { ($0.0, .string($0.1)) }) })),
            ("cpu", .string(cpuModel())),
            ("threads", .number(Double(threads))),
            ("started", .string(iso.string(from: started))),
            ("finished", .string(iso.string(from: finished))),
            ("wall_seconds", .number((finished.timeIntervalSince(started) * 1000).rounded() / 1000)),
            ("arms", .array(arms)),
            ("result_files", .array(resultFiles.map { .object([("name", .string($0.name)), ("sha256", .string($0.sha256))]) })),
        ])
        // A partial run of a tuned config has picked nothing yet, and says so by leaving "tuning" out.
        if let tune = config.tune, !tuning.isEmpty, case .object(var pairs) = root {
            var entries: [(String, JSON)] = [("select", tune.select.json), ("rule", .string(tune.select.description)), ("arms", .array(picks))]
            if let h = tune.halving, let halving { entries.append(("halving", halvingJSON(h, halving))) }
            pairs.insert(("tuning", .object(entries)), at: pairs.count - 1)
            root = .object(pairs)
        }
        return root.rendered() + "\n"
    }

    /// Every rung of every arm: its points best first, each with its score and whether it went on.
    static func halvingJSON(_ h: Halving, _ record: HalvingRecord) -> JSON {
        .object([("rungs", .array(h.rungs.map { .number(Double($0)) })), ("keep", .number(h.keep)),
                 ("arms", .array(record.arms.map { arm in
                     .object([("arm", .string(arm.arm)), ("rungs", .array(arm.rungs.map { rung in
                         .object([("epoch", .number(Double(rung.epoch))), ("ranking", .array(rung.ranking.map { entry in
                             .object([("point", .string(entry.name)), ("score", entry.score.map { .number($0) } ?? .null),
                                      ("kept", .bool(entry.kept))])
                         }))])
                     }))])
                 }))])
    }

    public static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }
}
