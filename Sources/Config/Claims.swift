// The paper's claims about a figure, as data: a config's "claims" list, each entry one of a few
// kinds with the sentence of the paper it checks. `adam-bench report` checks them on the results
// (Results/ClaimCheck.swift). Claims do not change results, so they are not part of a point's
// fingerprint: adding one to a finished run only needs `report`.
//
// Two families, shown apart in the report (README, "Claims: what the paper says, checked"):
// the text's claims (a sentence of the paper, quoted, read as a quantity with a stated threshold)
// and agreement with the plotted values (our curve against the paper's read-off points).
//
// The text's claims:
//   {"kind": "lowest", "series": "adam", "epoch": 45}                 lowest of the arms (or "among")
//   {"kind": "highest", "series": "adam", "epoch": 45, "column": "test_accuracy"}
//   {"kind": "order", "series": ["adam", "rmsprop", "sgd-nesterov"], "epoch": 20}   ascending
//   {"kind": "range", "series": "adam", "epoch": 10, "min": 100, "max": 110}
//   {"kind": "ratio", "series": "sgd", "other": "adagrad", "epoch": 160, "min": 1.15}   series / other at E
//   {"kind": "ratio", "series": "adam", "other": "sgd", "from": 1, "max": 1.05}   geometric mean of the
//                                                      ratio over every epoch both log in [from, to]
//   {"kind": "reaches-first", "series": "adam", "other": "sgd-nesterov", "target": 0.3}   no later than
//                                                      ("x": "wall_seconds": by measured time)
//   {"kind": "reach-ratio", "series": "adagrad", "other": "adam", "target": 0.1, "min": 2}
//                                                      epochs (or seconds) to reach target, series / other
//   {"kind": "time-ratio", "series": "sfo", "other": "adam", "min": 5, "max": 10}
//                                                      wall seconds per epoch (timings.csv), series / other
//   {"kind": "never-diverges", "series": "adam"}                      (no series: every arm)
//   {"kind": "best-point", "where": {"beta1": 0.9}, "epoch": 10, "hyperparameter": "lr", "min": 1e-4, "max": 3e-3}
//        (or "is": a value, e.g. "hyperparameter": "bias_correction", "is": true)
//   {"kind": "breaks-down", "where": {"bias_correction": false, "beta2": 0.9999},
//    "holds": {"bias_correction": true}, "epoch": 10, "factor": 1.5, "at_least": 3}
//        at least k of the selected points diverged or ended worse than factor x their counterparts
//        ("at_most": k, at most k of them: "equal or better regardless of the setting" is at_most 0;
//        with neither, the older form: the best selected point against the best of "holds")
// Agreement with the plotted values:
//   {"kind": "paper-values", "series": "adam", "tolerance": 1.5, "from": 2, "to": 45}
//        every paper point of the arm (plot.paper_figure, our epoch = the paper's x + plot.paper_shift)
//        within a factor `tolerance` of ours
//
// Every claim takes "quote" (the paper's sentence), "reading" (how the sentence is read as the
// quantity and why the threshold) and "column" (default: the plot's column, or train_loss;
// sweeps: eval_train_loss or test_loss at a read epoch). Epochs are ours (the x of curves.csv).

public struct Claim: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case lowest, highest, order, range, ratio
        case reachesFirst = "reaches-first"
        case reachRatio = "reach-ratio"
        case timeRatio = "time-ratio"
        case neverDiverges = "never-diverges"
        case bestPoint = "best-point"
        case breaksDown = "breaks-down"
        case paperValues = "paper-values"

        /// Kinds read from a sweep's summary.csv rather than from curves.
        public var isSweep: Bool { self == .bestPoint || self == .breaksDown }
        /// Agreement with the paper's plotted values, as against a claim of the paper's text.
        public var isAgreement: Bool { self == .paperValues }
    }

    public var kind: Kind
    public var quote: String
    /// How the sentence is read as this quantity, and why its threshold (shown in the report).
    public var reading: String = ""
    /// lowest, highest, range, never-diverges, paper-values: one arm (never-diverges: empty for
    /// all); order: arms from lowest to highest; ratio, reaches-first, reach-ratio: the arm and
    /// the other arm.
    public var series: [String]
    public var among: [String]
    public var epoch: Int?
    public var column: String?
    public var min: Double?
    public var max: Double?
    public var target: Double?
    /// reaches-first, reach-ratio: "epoch" (default) or "wall_seconds" (each arm's measured time, timings.csv).
    public var x: String = "epoch"
    /// best-point and breaks-down: hyperparameter values selecting sweep points.
    public var selection: [(key: String, value: String)]
    public var holds: [(key: String, value: String)]
    public var hyperparameter: String?
    public var factor: Double
    /// breaks-down as counts: at least (or at most) this many selected points break down (both
    /// nil: the older best-point form).
    public var atLeast: Int? = nil
    public var atMost: Int? = nil
    /// best-point: the value the best point's hyperparameter must take (instead of min/max).
    public var bestIs: String? = nil
    /// paper-values: ours within a factor `tolerance` of the paper's, over our epochs from...to;
    /// ratio without an epoch: the window of its geometric mean.
    public var tolerance: Double? = nil
    public var from: Double? = nil
    public var to: Double? = nil
    /// The claim as written (resolved configs and manifests carry it back).
    public var json: JSON

    public static func == (a: Claim, b: Claim) -> Bool { a.json == b.json }

    static let curveColumns = ["train_loss", "eval_train_loss", "test_loss", "test_accuracy"]

    /// Parses `claims` (an array) against the config it belongs to.
    static func parseList(_ json: JSON, arms: [String], epochs: Int, sweep: SweepConfig?, plot: PlotSettings?) throws -> [Claim] {
        guard case .array(let items) = json else { throw ConfigError(path: "claims", "must be an array of claims, got \(json.typeName)") }
        return try items.enumerated().map { try parse($1, path: "claims[\($0)]", arms: arms, epochs: epochs, sweep: sweep, plot: plot) }
    }

    static func parse(_ json: JSON, path: String, arms: [String], epochs: Int, sweep: SweepConfig?, plot: PlotSettings?) throws -> Claim {
        var r = try ObjectReader(json, path: path)
        guard let kindName = try r.string("kind") else {
            throw r.missing("kind", "is required (one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let kind = Kind(rawValue: kindName) else {
            var message = "unknown claim kind \"\(kindName)\""
            if let near = closest(kindName, in: Kind.allCases.map(\.rawValue)) { message += "; did you mean \"\(near)\"?" }
            throw ConfigError(path: r.at("kind"), message + " (kinds: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let quote = try r.string("quote") ?? ""
        var claim = Claim(kind: kind, quote: quote, series: [], among: [], epoch: nil, column: nil, min: nil, max: nil,
                          target: nil, x: "epoch", selection: [], holds: [], hyperparameter: nil, factor: 1, json: json)
        claim.reading = try r.string("reading") ?? ""

        func arm(_ name: String, _ at: String) throws -> String {
            guard arms.contains(name) else {
                var message = "no arm named \"\(name)\""
                if let near = closest(name, in: arms) { message += "; did you mean \"\(near)\"?" }
                throw ConfigError(path: at, message + " (arms: \(arms.joined(separator: ", ")))")
            }
            return name
        }
        func names(_ key: String) throws -> [String] {
            guard let v = r.raw(key) else { return [] }
            switch v {
            case .string(let s): return [try arm(s, r.at(key))]
            case .array(let items):
                return try items.enumerated().map { i, item in
                    guard case .string(let s) = item else { throw ConfigError(path: "\(r.at(key))[\(i)]", "must be an arm name, got \(item.typeName)") }
                    return try arm(s, "\(r.at(key))[\(i)]")
                }
            default: throw ConfigError(path: r.at(key), "must be an arm name or a list of arm names, got \(v.typeName)")
            }
        }
        func required<T>(_ value: T?, _ key: String, _ what: String) throws -> T {
            guard let value else { throw r.missing(key, "is required for a \(kind.rawValue) claim: \(what)") }
            return value
        }
        /// "series" and "other": one arm each.
        func pair() throws {
            claim.series = try names("series") + names("other")
            guard claim.series.count == 2 else {
                throw ConfigError(path: r.at("series"), "a \(kind.rawValue) claim needs one \"series\" and one \"other\" arm")
            }
        }
        /// "min" and/or "max", at least one.
        func bounds(_ what: String, positive: Bool = false) throws {
            claim.min = try r.number("min")
            claim.max = try r.number("max")
            guard claim.min != nil || claim.max != nil else { throw r.missing("min", "or \"max\" is required for a \(kind.rawValue) claim: \(what)") }
            if let lo = claim.min, let hi = claim.max, lo > hi { throw ConfigError(path: r.at("min"), "is more than max") }
            if positive {
                for key in ["min", "max"] {
                    if let v = key == "min" ? claim.min : claim.max, v < 0 { throw ConfigError(path: r.at(key), "must be >= 0 (a ratio), got \(formatConfigNumber(v))") }
                }
            }
        }
        func xAxis() throws {
            if let x = try r.string("x") {
                guard ["epoch", "wall_seconds"].contains(x) else {
                    throw ConfigError(path: r.at("x"), "must be \"epoch\" or \"wall_seconds\", got \"\(x)\"")
                }
                claim.x = x
            }
        }

        if let column = try r.string("column") {
            let allowed = kind.isSweep ? ["eval_train_loss", "test_loss"] : curveColumns
            guard allowed.contains(column) else {
                throw ConfigError(path: r.at("column"), "must be one of \(allowed.joined(separator: ", ")), got \"\(column)\"")
            }
            claim.column = column
        }
        var allowed = ["kind", "quote", "reading", "column"]
        switch kind {
        case .lowest, .highest, .order, .range:
            claim.series = try names("series")
            let expected = kind == .order ? "at least two" : "one"
            guard kind == .order ? claim.series.count >= 2 : claim.series.count == 1 else {
                throw ConfigError(path: r.at("series"), claim.series.isEmpty && !r.has("series")
                                  ? "is required for a \(kind.rawValue) claim: \(expected) arm name(s)"
                                  : "must name \(expected) arm(s) for a \(kind.rawValue) claim")
            }
            claim.epoch = try required(try r.int("epoch", min: 0, max: epochs), "epoch", "the epoch it is read at (0 to \(epochs))")
            allowed += ["series", "epoch"]
            if kind == .lowest || kind == .highest {
                claim.among = try names("among")
                allowed.append("among")
            }
            if kind == .range {
                try bounds("where the value should lie")
                allowed += ["min", "max"]
            }
        case .ratio:
            try pair()
            claim.epoch = try r.int("epoch", min: 0, max: epochs)
            claim.from = try r.number("from")
            claim.to = try r.number("to")
            if claim.epoch != nil && (claim.from != nil || claim.to != nil) {
                throw ConfigError(path: r.at("epoch"), "give either \"epoch\" (the ratio there) or \"from\"/\"to\" (its geometric mean over those epochs), not both")
            }
            if claim.epoch == nil && claim.from == nil {
                throw r.missing("epoch", "is required for a ratio claim: the epoch it is read at (0 to \(epochs)), or \"from\" (and \"to\") for its geometric mean over a window")
            }
            if let lo = claim.from, let hi = claim.to, lo > hi { throw ConfigError(path: r.at("from"), "is more than to") }
            try bounds("the band of series / other (e.g. \"min\": 1.2 for a wide margin)", positive: true)
            allowed += ["series", "other", "epoch", "from", "to", "min", "max"]
        case .timeRatio:
            try pair()
            try bounds("the band of series' wall seconds per epoch / other's (e.g. \"min\": 5, \"max\": 10)", positive: true)
            allowed += ["series", "other", "min", "max"]
        case .reachesFirst:
            try pair()
            claim.target = try required(try r.number("target"), "target", "the value both arms race to")
            try xAxis()
            allowed += ["series", "other", "target", "x"]
        case .reachRatio:
            try pair()
            claim.target = try required(try r.number("target"), "target", "the value both arms race to")
            try bounds("the band of series' time to the target / other's (e.g. \"min\": 2 for much slower)", positive: true)
            try xAxis()
            allowed += ["series", "other", "target", "min", "max", "x"]
        case .neverDiverges:
            claim.series = try names("series")
            allowed.append("series")
        case .paperValues:
            guard plot?.paperFigure != nil else {
                throw ConfigError(path: r.at("kind"), "paper-values compares our curve with the paper's points of plot.paper_figure, but this config's plot names no paper_figure")
            }
            guard sweep == nil else {
                throw ConfigError(path: r.at("kind"), "paper-values compares curves over epochs; a sweep's results have one value per point")
            }
            claim.series = try names("series")
            guard claim.series.count == 1 else {
                throw ConfigError(path: r.at("series"), claim.series.isEmpty ? "is required for a paper-values claim: the arm whose curve is compared"
                                                                            : "must name one arm for a paper-values claim")
            }
            let tolerance = try required(try r.number("tolerance"), "tolerance", "the factor within which ours must lie of the paper's (e.g. 1.5)")
            guard tolerance > 1 else { throw ConfigError(path: r.at("tolerance"), "must be more than 1 (a factor: ours within paper / t and paper x t), got \(formatConfigNumber(tolerance))") }
            claim.tolerance = tolerance
            claim.from = try r.number("from")
            claim.to = try r.number("to")
            if let lo = claim.from, let hi = claim.to, lo > hi { throw ConfigError(path: r.at("from"), "is more than to") }
            allowed += ["series", "tolerance", "from", "to"]
        case .bestPoint, .breaksDown:
            guard let sweep else { throw ConfigError(path: r.at("kind"), "\(kind.rawValue) reads a sweep's points, but this config has no \"sweep\"") }
            let keys = sweep.grid.map(\.key)
            func selection(_ key: String) throws -> [(key: String, value: String)] {
                guard let v = r.raw(key) else { return [] }
                guard case .object(let pairs) = v else { throw ConfigError(path: r.at(key), "must be an object of hyperparameter values, got \(v.typeName)") }
                return try pairs.map { k, value in
                    guard keys.contains(k) else {
                        throw ConfigError(path: "\(r.at(key)).\(k)", "is not a key of the sweep's grid (\(keys.joined(separator: ", ")))")
                    }
                    switch value {
                    case .number(let x): return (k, formatConfigNumber(x))
                    case .bool(let b): return (k, b ? "true" : "false")
                    case .string(let s): return (k, s)
                    default: throw ConfigError(path: "\(r.at(key)).\(k)", "must be a number, true/false or a string, got \(value.typeName)")
                    }
                }
            }
            claim.selection = try selection("where")
            let readEpochs = sweep.readEpochs
            let epoch = try required(try r.int("epoch", min: 1, max: epochs), "epoch", "one of the sweep's read_epochs \(readEpochs)")
            guard readEpochs.contains(epoch) else {
                throw ConfigError(path: r.at("epoch"), "is \(epoch), but the sweep reads only epochs \(readEpochs) (sweep.read_epochs)")
            }
            claim.epoch = epoch
            allowed += ["where", "epoch"]
            if kind == .bestPoint {
                let h = try required(try r.string("hyperparameter"), "hyperparameter", "the grid key whose best value is checked")
                guard keys.contains(h) else { throw ConfigError(path: r.at("hyperparameter"), "is not a key of the sweep's grid (\(keys.joined(separator: ", ")))") }
                claim.hyperparameter = h
                if let v = r.raw("is") {
                    switch v {
                    case .number(let x): claim.bestIs = formatConfigNumber(x)
                    case .bool(let b): claim.bestIs = b ? "true" : "false"
                    case .string(let t): claim.bestIs = t
                    default: throw ConfigError(path: r.at("is"), "must be a number, true/false or a string, got \(v.typeName)")
                    }
                    if r.has("min") || r.has("max") { throw ConfigError(path: r.at("is"), "give either \"is\" or \"min\"/\"max\", not both") }
                } else {
                    try bounds("where the best value should lie (or \"is\": the value it should take)")
                }
                allowed += ["hyperparameter", "min", "max", "is"]
            } else {
                claim.holds = try selection("holds")
                guard r.has("holds") else { throw r.missing("holds", "is required for a breaks-down claim: the points where the method holds") }
                claim.atLeast = try r.int("at_least", min: 1)
                claim.atMost = try r.int("at_most", min: 0)
                if claim.atLeast != nil && claim.atMost != nil {
                    throw ConfigError(path: r.at("at_most"), "give either \"at_least\" or \"at_most\", not both")
                }
                if let k = claim.atLeast ?? claim.atMost {
                    let key = claim.atLeast != nil ? "at_least" : "at_most"
                    let n = selectedCount(claim.selection, in: sweep.grid)
                    guard k <= n else {
                        throw ConfigError(path: r.at(key), "is \(k), but \"where\" selects \(n) point(s) of the grid")
                    }
                    claim.factor = try required(try r.number("factor"), "factor",
                                                "how much worse than its counterpart a point must end to count as broken down (e.g. 1.5)")
                } else {
                    claim.factor = try r.number("factor") ?? 1
                }
                guard claim.factor >= 1 else { throw ConfigError(path: r.at("factor"), "must be at least 1") }
                allowed += ["holds", "factor", "at_least", "at_most"]
            }
        }
        try r.finish("a \(kind.rawValue) claim", allowed: allowed)
        return claim
    }

    /// How many points of `grid` a selection picks (values compared as numbers where both are).
    package static func selectedCount(_ selection: [(key: String, value: String)], in grid: [GridAxis]) -> Int {
        grid.reduce(1) { n, axis in
            guard let chosen = selection.first(where: { $0.key == axis.key }) else { return n * axis.values.count }
            return axis.values.contains { sameValue($0.description, chosen.value) } ? n : 0
        }
    }
}

/// A hyperparameter value as summary.csv prints it against one as a claim writes it.
package func sameValue(_ a: String, _ b: String) -> Bool {
    if let x = Double(a), let y = Double(b) { return x == y }
    return a == b
}

extension ExperimentConfig {
    /// The arm names a claim may name: the arms, a sweep's arm replaced by its points.
    static func claimArms(_ arms: [ArmConfig], sweep: SweepConfig?) -> [String] {
        guard let sweep else { return arms.map(\.name) }
        return arms.flatMap { $0.name == sweep.arm ? sweep.points(of: $0).map(\.name) : [$0.name] }
    }

    /// Why a claim of the config as written cannot be checked on a run with these overrides (an
    /// arm not run, an epoch not reached, a sweep left out); nil when it can.
    func whyClaimCannotBeChecked(_ claim: Claim, overrides o: ConfigOverrides) -> String? {
        let names = Self.claimArms(arms, sweep: sweep)
        if let absent = (claim.series + claim.among).first(where: { !names.contains($0) }) {
            return o.arms.map { "arm \"\(absent)\" is not among --arms \($0.joined(separator: ","))" } ?? "arm \"\(absent)\" is not run"
        }
        if let e = claim.epoch, e > training.epochs { return "it reads epoch \(e), beyond --epochs \(training.epochs)" }
        if claim.kind.isSweep {
            guard let sweep else { return "it reads the sweep's points, and the swept arm is not among --arms" }
            if let e = claim.epoch, !sweep.readEpochs.contains(e) { return "it reads epoch \(e), which the sweep no longer reads" }
        }
        return nil
    }
}
