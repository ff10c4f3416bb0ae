// The paper's claims about a figure, as data: a config's "claims" list, each entry one of a few
// kinds with the sentence of the paper it checks. `adam-bench report` checks them on the results
// (Results/ClaimCheck.swift). Claims do not change results, so they are not part of a point's
// fingerprint: adding one to a finished run only needs `report`.
//
//   {"kind": "lowest", "series": "adam", "epoch": 45}                 lowest of the arms (or "among")
//   {"kind": "highest", "series": "adam", "epoch": 45, "column": "test_accuracy"}
//   {"kind": "order", "series": ["adam", "rmsprop", "sgd-nesterov"], "epoch": 20}   ascending
//   {"kind": "range", "series": "adam", "epoch": 10, "min": 100, "max": 110}
//   {"kind": "reaches-first", "series": "adam", "other": "sgd-nesterov", "target": 0.3}   no later than
//                                                      ("x": "wall_seconds": by measured time)
//   {"kind": "never-diverges", "series": "adam"}                      (no series: every arm)
//   {"kind": "best-point", "where": {"beta1": 0.9}, "epoch": 10, "hyperparameter": "lr", "min": 1e-4, "max": 3e-3}
//   {"kind": "breaks-down", "where": {"bias_correction": false, "beta2": 0.9999},
//    "holds": {"bias_correction": true, "beta2": 0.9999}, "epoch": 10, "factor": 1.05}
//
// Every claim takes "quote" (the paper's sentence) and "column" (default: the plot's column, or
// train_loss; sweeps: eval_train_loss or test_loss at a read epoch).

public struct Claim: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case lowest, highest, order, range
        case reachesFirst = "reaches-first"
        case neverDiverges = "never-diverges"
        case bestPoint = "best-point"
        case breaksDown = "breaks-down"

        /// Kinds read from a sweep's summary.csv rather than from curves.
        public var isSweep: Bool { self == .bestPoint || self == .breaksDown }
    }

    public var kind: Kind
    public var quote: String
    /// lowest, highest, range, never-diverges: one arm (never-diverges: empty for all);
    /// order: arms from lowest to highest; reaches-first: the arm and the other arm.
    public var series: [String]
    public var among: [String]
    public var epoch: Int?
    public var column: String?
    public var min: Double?
    public var max: Double?
    public var target: Double?
    /// reaches-first: "epoch" (default) or "wall_seconds" (each arm's measured time, timings.csv).
    public var x: String = "epoch"
    /// best-point and breaks-down: hyperparameter values selecting sweep points.
    public var selection: [(key: String, value: String)]
    public var holds: [(key: String, value: String)]
    public var hyperparameter: String?
    public var factor: Double
    /// The claim as written (resolved configs and manifests carry it back).
    public var json: JSON

    public static func == (a: Claim, b: Claim) -> Bool { a.json == b.json }

    static let curveColumns = ["train_loss", "eval_train_loss", "test_loss", "test_accuracy"]

    /// Parses `claims` (an array) against the config it belongs to.
    static func parseList(_ json: JSON, arms: [String], epochs: Int, sweep: SweepConfig?) throws -> [Claim] {
        guard case .array(let items) = json else { throw ConfigError(path: "claims", "must be an array of claims, got \(json.typeName)") }
        return try items.enumerated().map { try parse($1, path: "claims[\($0)]", arms: arms, epochs: epochs, sweep: sweep) }
    }

    static func parse(_ json: JSON, path: String, arms: [String], epochs: Int, sweep: SweepConfig?) throws -> Claim {
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

        if let column = try r.string("column") {
            let allowed = kind.isSweep ? ["eval_train_loss", "test_loss"] : curveColumns
            guard allowed.contains(column) else {
                throw ConfigError(path: r.at("column"), "must be one of \(allowed.joined(separator: ", ")), got \"\(column)\"")
            }
            claim.column = column
        }
        var allowed = ["kind", "quote", "column"]
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
                claim.min = try r.number("min")
                claim.max = try r.number("max")
                guard claim.min != nil || claim.max != nil else { throw r.missing("min", "or \"max\" is required for a range claim") }
                if let lo = claim.min, let hi = claim.max, lo > hi { throw ConfigError(path: r.at("min"), "is more than max") }
                allowed += ["min", "max"]
            }
        case .reachesFirst:
            claim.series = try names("series") + names("other")
            guard claim.series.count == 2 else {
                throw ConfigError(path: r.at("series"), "a reaches-first claim needs one \"series\" and one \"other\" arm")
            }
            claim.target = try required(try r.number("target"), "target", "the value both arms race to")
            if let x = try r.string("x") {
                guard ["epoch", "wall_seconds"].contains(x) else {
                    throw ConfigError(path: r.at("x"), "must be \"epoch\" or \"wall_seconds\", got \"\(x)\"")
                }
                claim.x = x
            }
            allowed += ["series", "other", "target", "x"]
        case .neverDiverges:
            claim.series = try names("series")
            allowed.append("series")
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
                claim.min = try r.number("min")
                claim.max = try r.number("max")
                guard claim.min != nil || claim.max != nil else { throw r.missing("min", "or \"max\" is required: where the best value should lie") }
                allowed += ["hyperparameter", "min", "max"]
            } else {
                claim.holds = try selection("holds")
                guard r.has("holds") else { throw r.missing("holds", "is required for a breaks-down claim: the points where the method holds") }
                claim.factor = try r.number("factor") ?? 1
                guard claim.factor >= 1 else { throw ConfigError(path: r.at("factor"), "must be at least 1") }
                allowed += ["holds", "factor"]
            }
        }
        try r.finish("a \(kind.rawValue) claim", allowed: allowed)
        return claim
    }
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
