// How `adam-bench plot` draws an experiment: the config's "plot" object (SPEC section 7).

/// How an experiment is drawn: from the config's "plot" object, overridden by `plot` flags.
public struct PlotSettings: Sendable, Equatable {
    /// The curves.csv column on the y axis.
    public var column = "eval_train_loss"
    public var logY = false
    /// "epoch" or "iteration".
    public var x = "epoch"
    public var yMin: Double? = nil
    public var yMax: Double? = nil
    public init() {}

    static let columns = ["train_loss", "eval_train_loss", "test_loss", "test_accuracy"]

    package static func parse(_ json: JSON) throws -> PlotSettings {
        var r = try ObjectReader(json, path: "plot")
        var p = PlotSettings()
        if let c = try r.string("column") {
            guard columns.contains(c) else { throw ConfigError(path: "plot.column", "must be one of \(columns.joined(separator: ", ")), got \"\(c)\"") }
            p.column = c
        }
        p.logY = try r.bool("log_y") ?? false
        if let x = try r.string("x") {
            guard x == "epoch" || x == "iteration" else { throw ConfigError(path: "plot.x", "must be \"epoch\" or \"iteration\", got \"\(x)\"") }
            p.x = x
        }
        p.yMin = try r.number("y_min")
        p.yMax = try r.number("y_max")
        if let lo = p.yMin, let hi = p.yMax, lo >= hi { throw ConfigError(path: "plot.y_max", "must be greater than plot.y_min") }
        if p.logY, let lo = p.yMin, lo <= 0 { throw ConfigError(path: "plot.y_min", "must be > 0 on a log axis") }
        try r.finish("plot", allowed: ["column", "log_y", "x", "y_min", "y_max"])
        return p
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [("column", .string(column)), ("log_y", .bool(logY)), ("x", .string(x))]
        if let yMin { pairs.append(("y_min", .number(yMin))) }
        if let yMax { pairs.append(("y_max", .number(yMax))) }
        return .object(pairs)
    }
}
