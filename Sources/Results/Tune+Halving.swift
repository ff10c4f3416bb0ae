// Successive halving's state, worked out from what each point has trained so far: which rungs are
// decided, how each ranked its points, and what the first undecided rung still waits for. It is
// a pure function of the curves, so every process (a resumed run, each shard, `collect`) finds
// the same rankings from the same files.
import Config

/// How far one (point, seed) has trained: its curve so far and the epochs it has done (the
/// horizon once finished or diverged: its curve will not grow).
public struct PointState: Sendable {
    public var result: ArmResult
    public var epochsDone: Int

    public init(result: ArmResult, epochsDone: Int) { (self.result, self.epochsDone) = (result, epochsDone) }

    /// The state a finished result (or one cut at a rung, its curve ending there) stands for.
    public init(finished result: ArmResult, epochs: Int) {
        self.result = result
        if case .diverged = result.status { epochsDone = epochs } else { epochsDone = Int((result.rows.last?.epoch ?? 0).rounded(.down)) }
    }
}

public struct HalvingRecord: Sendable, Equatable {
    public var arms: [Arm]
    /// Every rung of every arm decided: the finalists have reached the horizon.
    public var complete: Bool { arms.allSatisfy { $0.waiting == nil } }

    public struct Arm: Sendable, Equatable {
        public var arm: String
        /// The arm's rungs ranked so far, in order.
        public var rungs: [Rung]
        /// The first rung not decided yet; nil when every rung is.
        public var waiting: Waiting?
        /// The points ranked at the last rung (all at the horizon); nil until it is decided.
        public var finalists: [Int]?

        /// The epoch of the rung at which `point` was ranked and not kept; nil when it was not cut.
        public func cutAt(_ point: Int) -> Int? {
            rungs.first { rung in rung.ranking.contains { $0.point == point && !$0.kept } }?.epoch
        }
    }

    public struct Rung: Sendable, Equatable {
        public var epoch: Int
        /// Best first.
        public var ranking: [Ranked]
    }

    public struct Ranked: Sendable, Equatable {
        /// Index into the run's arms (`Tuner.points`).
        public var point: Int
        public var name: String
        /// The rule's value on the curves up to the rung, the mean over seeds; nil ranks last.
        public var score: Double?
        /// Goes on to the next rung (every finalist at the last).
        public var kept: Bool
    }

    public struct Waiting: Sendable, Equatable {
        public var epoch: Int
        /// The (point, seed) indices (into ExperimentRunner.points) the rung ranks.
        public var candidates: [Int]
        /// Those still short of `epoch`.
        public var todo: [Int]
    }
}

extension Tuner {
    /// Where successive halving stands. `states` holds every (point, seed) of `points(config,
    /// tune)`, seeds innermost, nil for one not started. Each arm's rung is decided once all its
    /// candidates have reached the rung's epoch: they are ranked by the rule on their curves up
    /// to it, and the best `kept(of:)` go on; the rest stay where they are.
    public static func halving(_ config: ExperimentConfig, _ tune: TuneConfig, _ h: Halving, states: [PointState?]) -> HalvingRecord {
        let seeds = config.training.seeds.count
        let names = Tuner.points(config, tune).map(\.name)
        var arms: [HalvingRecord.Arm] = []
        var first = 0
        for arm in config.arms {
            let perArm = tune.grid(for: arm.name).reduce(1) { $0 * $1.values.count }
            var record = HalvingRecord.Arm(arm: arm.name, rungs: [], waiting: nil, finalists: nil)
            var candidates = Array(first..<(first + perArm))
            for (r, epoch) in h.rungs.enumerated() {
                let runs = candidates.flatMap { p in (0..<seeds).map { p * seeds + $0 } }
                let todo = runs.filter { (states[$0]?.epochsDone ?? 0) < epoch }
                guard todo.isEmpty else {
                    record.waiting = .init(epoch: epoch, candidates: runs, todo: todo)
                    break
                }
                let last = r == h.rungs.count - 1
                let ranking = rank(candidates, tune.select, seeds: seeds, through: Double(epoch)) { states[$0]!.result }
                let kept = last ? candidates.count : h.kept(of: candidates.count)
                record.rungs.append(.init(epoch: epoch, ranking: ranking.enumerated().map { i, entry in
                    .init(point: entry.point, name: names[entry.point], score: entry.score, kept: i < kept)
                }))
                candidates = ranking.prefix(kept).map(\.point).sorted()
                if last { record.finalists = candidates }
            }
            arms.append(record)
            first += perArm
        }
        return HalvingRecord(arms: arms)
    }

    /// The results as a halving shows them: each point cut at a rung with its curve up to that
    /// rung (`all` may hold more: a point trained on before a grid grew and cut it).
    public static func cut(_ all: [ArmResult], _ record: HalvingRecord, seeds: Int) -> [ArmResult] {
        var shown = all
        for arm in record.arms {
            for rung in arm.rungs {
                for entry in rung.ranking where !entry.kept {
                    for s in 0..<seeds { shown[entry.point * seeds + s] = all[entry.point * seeds + s].through(Double(rung.epoch)) }
                }
            }
        }
        return shown
    }

    /// Lines for stderr and a partial run's description: each arm's decided rungs (who went on)
    /// and what the next one waits for.
    public static func describe(_ record: HalvingRecord, seeds: Int) -> [String] {
        record.arms.map { arm in
            var parts = arm.rungs.map { rung in
                let kept = rung.ranking.filter(\.kept)
                if arm.finalists != nil && rung == arm.rungs.last {
                    return "epoch \(rung.epoch): \(rung.ranking.count) at the horizon, best \(rung.ranking[0].name)"
                }
                return "epoch \(rung.epoch): \(kept.count) of \(rung.ranking.count) kept"
                    + (kept.count < rung.ranking.count ? " (\(kept.map(\.name).joined(separator: ", ")))" : "")
            }
            if let w = arm.waiting {
                let points = Set(w.todo.map { $0 / seeds }).count
                parts.append("epoch \(w.epoch): waiting for \(points) point(s) (\(w.todo.count) with their seeds)")
            }
            return "\(arm.arm): " + parts.joined(separator: "; ")
        }
    }
}
