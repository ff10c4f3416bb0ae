// How `adam-bench plot` draws an experiment: the config's "plot" object (SPEC section 7).

/// How an experiment is drawn: from the config's "plot" object, overridden by `plot` flags.
public struct PlotSettings: Sendable, Equatable {
    /// The curves.csv column on the y axis.
    public var column = "eval_train_loss"
    public var logY = false
    /// "epoch", "iteration" or "wall_seconds" (each arm's measured time, from timings.csv).
    public var x = "epoch"
    public var yMin: Double? = nil
    public var yMax: Double? = nil
    public var xMin: Double? = nil
    public var xMax: Double? = nil
    /// Several panels of the same results side by side (Figure 3: the first 3 epochs on a linear
    /// axis, all epochs on a log axis): each entry overrides these settings for its panel.
    public var panels: [Panel] = []
    /// The paper's figure to draw beside ours when `plot --paper FILE` is given: the `figure`
    /// column of the paper's values (e.g. "3"), and how many epochs its x is behind ours (its
    /// point at x is the mean minibatch cost of epoch x + 1, our train_loss at epoch x + 1).
    public var paperFigure: String? = nil
    public var paperShift: Double = 0
    public init() {}

    public struct Panel: Sendable, Equatable {
        public var title: String? = nil
        /// The column this panel draws (Figure 2 (a): the training cost with dropout, then the
        /// loss without it).
        public var column: String? = nil
        public var logY: Bool? = nil
        public var x: String? = nil
        public var xMin: Double? = nil, xMax: Double? = nil, yMin: Double? = nil, yMax: Double? = nil
    }

    static let columns = ["train_loss", "eval_train_loss", "test_loss", "test_accuracy"]
    static let xAxes = ["epoch", "iteration", "wall_seconds"]

    static func checkX(_ x: String, path: String) throws {
        guard xAxes.contains(x) else { throw ConfigError(path: path, "must be \"epoch\", \"iteration\" or \"wall_seconds\", got \"\(x)\"") }
    }

    package static func parse(_ json: JSON) throws -> PlotSettings {
        var r = try ObjectReader(json, path: "plot")
        var p = PlotSettings()
        if let c = try r.string("column") {
            guard columns.contains(c) else { throw ConfigError(path: "plot.column", "must be one of \(columns.joined(separator: ", ")), got \"\(c)\"") }
            p.column = c
        }
        p.logY = try r.bool("log_y") ?? false
        if let x = try r.string("x") {
            try checkX(x, path: "plot.x")
            p.x = x
        }
        p.yMin = try r.number("y_min")
        p.yMax = try r.number("y_max")
        if let lo = p.yMin, let hi = p.yMax, lo >= hi { throw ConfigError(path: "plot.y_max", "must be greater than plot.y_min") }
        if p.logY, let lo = p.yMin, lo <= 0 { throw ConfigError(path: "plot.y_min", "must be > 0 on a log axis") }
        p.xMin = try r.number("x_min")
        p.xMax = try r.number("x_max")
        if let lo = p.xMin, let hi = p.xMax, lo >= hi { throw ConfigError(path: "plot.x_max", "must be greater than plot.x_min") }
        if let list = r.raw("panels") {
            guard case .array(let items) = list, !items.isEmpty else { throw ConfigError(path: "plot.panels", "must be a non-empty array of panel settings") }
            p.panels = try items.enumerated().map { i, item in
                let path = "plot.panels[\(i)]"
                var pr = try ObjectReader(item, path: path)
                var panel = Panel()
                panel.title = try pr.string("title")
                if let c = try pr.string("column") {
                    guard columns.contains(c) else { throw ConfigError(path: "\(path).column", "must be one of \(columns.joined(separator: ", ")), got \"\(c)\"") }
                    panel.column = c
                }
                panel.logY = try pr.bool("log_y")
                if let x = try pr.string("x") {
                    try checkX(x, path: "\(path).x")
                    panel.x = x
                }
                panel.xMin = try pr.number("x_min")
                panel.xMax = try pr.number("x_max")
                panel.yMin = try pr.number("y_min")
                panel.yMax = try pr.number("y_max")
                if let lo = panel.xMin, let hi = panel.xMax, lo >= hi { throw ConfigError(path: "\(path).x_max", "must be greater than x_min") }
                if let lo = panel.yMin, let hi = panel.yMax, lo >= hi { throw ConfigError(path: "\(path).y_max", "must be greater than y_min") }
                if panel.logY ?? p.logY, let lo = panel.yMin ?? p.yMin, lo <= 0 { throw ConfigError(path: "\(path).y_min", "must be > 0 on a log axis") }
                try pr.finish("panel", allowed: ["title", "column", "log_y", "x", "x_min", "x_max", "y_min", "y_max"])
                return panel
            }
        }
        p.paperFigure = try r.string("paper_figure")
        p.paperShift = try r.number("paper_shift") ?? 0
        try r.finish("plot", allowed: ["column", "log_y", "x", "y_min", "y_max", "x_min", "x_max", "panels", "paper_figure", "paper_shift"])
        return p
    }

    /// These settings with one panel's overrides applied.
    public func applying(_ panel: Panel) -> PlotSettings {
        var s = self
        s.column = panel.column ?? column
        s.logY = panel.logY ?? logY
        s.x = panel.x ?? x
        s.xMin = panel.xMin ?? xMin
        s.xMax = panel.xMax ?? xMax
        s.yMin = panel.yMin ?? yMin
        s.yMax = panel.yMax ?? yMax
        return s
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [("column", .string(column)), ("log_y", .bool(logY)), ("x", .string(x))]
        if let yMin { pairs.append(("y_min", .number(yMin))) }
        if let yMax { pairs.append(("y_max", .number(yMax))) }
        if let xMin { pairs.append(("x_min", .number(xMin))) }
        if let xMax { pairs.append(("x_max", .number(xMax))) }
        if !panels.isEmpty {
            pairs.append(("panels", .array(panels.map { panel in
                var q: [(String, JSON)] = []
                if let t = panel.title { q.append(("title", .string(t))) }
                if let c = panel.column { q.append(("column", .string(c))) }
                if let l = panel.logY { q.append(("log_y", .bool(l))) }
                if let x = panel.x { q.append(("x", .string(x))) }
                for (key, value) in [("x_min", panel.xMin), ("x_max", panel.xMax), ("y_min", panel.yMin), ("y_max", panel.yMax)] {
                    if let value { q.append((key, .number(value))) }
                }
                return .object(q)
            })))
        }
        if let paperFigure { pairs += [("paper_figure", .string(paperFigure)), ("paper_shift", .number(paperShift))] }
        return .object(pairs)
    }
}
