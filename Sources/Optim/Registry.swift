// The optimizers by name, with their hyperparameters, defaults and valid ranges. Config
// validation and `adam-bench list optimizers` read this table; adding an optimizer is one
// entry here, one class, and one row in the tests' table.

/// A hyperparameter's value as a config writes it.
public enum HyperValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case flag(Bool)
    case choice(String)

    /// The value with its JSON type, for messages where the type is what is wrong.
    public var typed: String {
        switch self {
        case .number: return "the number \(description)"
        case .flag(let b): return "the boolean \(b)"
        case .choice(let s): return "the string \"\(s)\""
        }
    }

    public var description: String {
        switch self {
        case .number(let x): return formatNumber(x)
        case .flag(let b): return b ? "true" : "false"
        case .choice(let s): return s
        }
    }
}

/// The values a hyperparameter may take. `check` returns the reason a value is refused.
public enum HyperDomain: Sendable {
    case positive, nonNegative, unitInterval, decayFactor, flag
    case choice([String])

    public func check(_ value: HyperValue) -> String? {
        switch (self, value) {
        case (.flag, .flag): return nil
        case (.flag, _): return "must be true or false, got \(value.typed)"
        case (.choice(let options), .choice(let s)):
            return options.contains(s) ? nil : "must be one of \(options.joined(separator: ", ")), got \"\(s)\""
        case (.choice(let options), _): return "must be one of \(options.joined(separator: ", ")) (a string), got \(value.typed)"
        case (_, .number(let x)):
            guard x.isFinite else { return "must be a finite number, got \(value)" }
            switch self {
            case .positive: return x > 0 ? nil : "must be > 0, got \(value)"
            case .nonNegative: return x >= 0 ? nil : "must be >= 0, got \(value)"
            case .unitInterval: return x >= 0 && x < 1 ? nil : "must be in [0, 1), got \(value)"
            case .decayFactor: return x > 0 && x <= 1 ? nil : "must be in (0, 1], got \(value)"
            default: return nil
            }
        default:
            if case .choice(let s) = value, Double(s) != nil { return "must be a number, got the string \"\(s)\" (write it without quotes)" }
            return "must be a number, got \(value.typed)"
        }
    }

    public var summary: String {
        switch self {
        case .positive: return "> 0"
        case .nonNegative: return ">= 0"
        case .unitInterval: return "[0, 1)"
        case .decayFactor: return "(0, 1]"
        case .flag: return "true/false"
        case .choice(let o): return o.joined(separator: "|")
        }
    }
}

public struct HyperparameterSpec: Sendable {
    public let name: String
    /// nil: the config must give it.
    public let defaultValue: HyperValue?
    public let domain: HyperDomain
    init(_ name: String, _ defaultValue: HyperValue?, _ domain: HyperDomain) {
        self.name = name
        self.defaultValue = defaultValue
        self.domain = domain
    }
}

/// Resolved hyperparameters of one arm, in the spec's order.
public struct Hyperparameters: Sendable, Equatable {
    public var values: [(name: String, value: HyperValue)]
    public init(_ values: [(name: String, value: HyperValue)]) { self.values = values }

    public subscript(name: String) -> HyperValue? { values.first { $0.name == name }?.value }
    public func number(_ name: String) -> Double {
        if case .number(let x)? = self[name] { return x }
        preconditionFailure("hyperparameter \(name) is not a resolved number")
    }
    public func flag(_ name: String) -> Bool {
        if case .flag(let b)? = self[name] { return b }
        preconditionFailure("hyperparameter \(name) is not a resolved flag")
    }
    public func choice(_ name: String) -> String {
        if case .choice(let s)? = self[name] { return s }
        preconditionFailure("hyperparameter \(name) is not a resolved choice")
    }
    public static func == (a: Hyperparameters, b: Hyperparameters) -> Bool {
        a.values.map(\.name) == b.values.map(\.name) && a.values.map(\.value) == b.values.map(\.value)
    }
}

public struct OptimizerSpec: Sendable {
    public let name: String
    public let summary: String
    public let hyperparameters: [HyperparameterSpec]
    /// nil for an optimizer with its own driver (SFO evaluates one subfunction at a time and decides
    /// itself where, so it does not take a gradient per step).
    let build: (@Sendable (Hyperparameters, Int, Int) -> Optimizer)?

    /// Whether the optimizer runs in the step-per-minibatch loop (false: SFO's own driver).
    public var isStepper: Bool { build != nil }

    /// A fresh optimizer for `count` parameters whose updates use up to `threads` threads.
    public func make(_ h: Hyperparameters, count: Int, threads: Int = 1) -> Optimizer {
        guard let build else { preconditionFailure("\(name) has its own driver, not a step") }
        return build(h, count, threads)
    }
}

public enum Optimizers {
    private static func adamSettings(_ h: Hyperparameters) -> AdamSettings {
        var s = AdamSettings()
        s.beta1 = h.number("beta1")
        s.beta2 = h.number("beta2")
        s.eps = h.number("eps")
        return s
    }

    public static let all: [OptimizerSpec] = [
        OptimizerSpec(name: "sgd", summary: "v <- mu v + g; theta <- theta - lr v",
                      hyperparameters: [.init("lr", nil, .positive), .init("momentum", .number(0), .unitInterval)],
                      build: { h, n, t in SGD(count: n, momentum: Float(h.number("momentum")), nesterov: false, threads: t) }),
        OptimizerSpec(name: "nesterov", summary: "v <- mu v + g; theta <- theta - lr (g + mu v)",
                      hyperparameters: [.init("lr", nil, .positive), .init("momentum", .number(0.9), .unitInterval)],
                      build: { h, n, t in SGD(count: n, momentum: Float(h.number("momentum")), nesterov: true, threads: t) }),
        OptimizerSpec(name: "adagrad", summary: "s <- s + g^2; theta <- theta - lr g/(sqrt(s) + eps)",
                      hyperparameters: [.init("lr", .number(0.01), .positive), .init("eps", .number(1e-10), .positive),
                                        .init("initial_accumulator", .number(0), .nonNegative)],
                      build: { h, n, t in AdaGrad(count: n, eps: Float(h.number("eps")),
                                                  initialAccumulator: Float(h.number("initial_accumulator")), threads: t) }),
        OptimizerSpec(name: "rmsprop", summary: "v <- rho v + (1-rho) g^2; theta <- theta - lr g/(sqrt(v) + eps)",
                      hyperparameters: [.init("lr", .number(0.01), .positive), .init("rho", .number(0.99), .unitInterval),
                                        .init("eps", .number(1e-8), .positive), .init("bias_correction", .flag(false), .flag)],
                      build: { h, n, t in
                          var s = AdamSettings()
                          s.beta1 = 0
                          s.beta2 = h.number("rho")
                          s.eps = h.number("eps")
                          s.biasCorrection = h.flag("bias_correction")
                          return Adam(count: n, settings: s, threads: t)
                      }),
        OptimizerSpec(name: "adadelta", summary: "Zeiler 2012, eps inside both square roots",
                      hyperparameters: [.init("lr", .number(1.0), .positive), .init("rho", .number(0.9), .unitInterval),
                                        .init("eps", .number(1e-6), .positive)],
                      build: { h, n, t in AdaDelta(count: n, rho: Float(h.number("rho")), eps: Float(h.number("eps")), threads: t) }),
        OptimizerSpec(name: "adam", summary: "Algorithm 1 of Kingma & Ba",
                      hyperparameters: [.init("lr", .number(0.001), .positive), .init("beta1", .number(0.9), .unitInterval),
                                        .init("beta2", .number(0.999), .unitInterval), .init("eps", .number(1e-8), .positive),
                                        .init("bias_correction", .flag(true), .flag),
                                        .init("beta1_decay", .number(1), .decayFactor),
                                        .init("epsilon_form", .choice("algorithm1"), .choice(EpsilonForm.allCases.map(\.rawValue)))],
                      build: { h, n, t in
                          var s = adamSettings(h)
                          s.biasCorrection = h.flag("bias_correction")
                          s.beta1Decay = h.number("beta1_decay")
                          s.epsilonForm = EpsilonForm(rawValue: h.choice("epsilon_form")) ?? .algorithm1
                          return Adam(count: n, settings: s, threads: t)
                      }),
        OptimizerSpec(name: "adamax", summary: "Algorithm 2 of Kingma & Ba (infinity norm)",
                      hyperparameters: [.init("lr", .number(0.002), .positive), .init("beta1", .number(0.9), .unitInterval),
                                        .init("beta2", .number(0.999), .unitInterval), .init("eps", .number(1e-8), .positive)],
                      build: { h, n, t in AdaMax(count: n, beta1: h.number("beta1"), beta2: h.number("beta2"),
                                                 eps: h.number("eps"), threads: t) }),
        OptimizerSpec(name: "nadam", summary: "Nesterov Adam, as torch.optim.NAdam",
                      hyperparameters: [.init("lr", .number(0.002), .positive), .init("beta1", .number(0.9), .unitInterval),
                                        .init("beta2", .number(0.999), .unitInterval), .init("eps", .number(1e-8), .positive),
                                        .init("momentum_decay", .number(0.004), .nonNegative)],
                      build: { h, n, t in NAdam(count: n, beta1: h.number("beta1"), beta2: h.number("beta2"), eps: h.number("eps"),
                                                momentumDecay: h.number("momentum_decay"), threads: t) }),
        OptimizerSpec(name: "amsgrad", summary: "Adam with the max of v, as torch.optim.Adam(amsgrad=True)",
                      hyperparameters: [.init("lr", .number(0.001), .positive), .init("beta1", .number(0.9), .unitInterval),
                                        .init("beta2", .number(0.999), .unitInterval), .init("eps", .number(1e-8), .positive)],
                      build: { h, n, t in
                          var s = adamSettings(h)
                          s.amsgrad = true
                          return Adam(count: n, settings: s, threads: t)
                      }),
        OptimizerSpec(name: "adamw", summary: "Adam with decoupled weight decay, as torch.optim.AdamW",
                      hyperparameters: [.init("lr", .number(0.001), .positive), .init("beta1", .number(0.9), .unitInterval),
                                        .init("beta2", .number(0.999), .unitInterval), .init("eps", .number(1e-8), .positive),
                                        .init("weight_decay", .number(0.01), .nonNegative)],
                      build: { h, n, t in
                          var s = adamSettings(h)
                          s.decoupledWeightDecay = h.number("weight_decay")
                          return Adam(count: n, settings: s, threads: t)
                      }),
        OptimizerSpec(name: "sfo", summary: "Sum-of-Functions Optimizer (Sohl-Dickstein et al. 2014), float64; no lr",
                      hyperparameters: [.init("subfunctions", nil, .positive), .init("history", .number(10), .positive),
                                        .init("hessian", .choice("bfgs"), .choice(["bfgs", "rank1"])),
                                        .init("selection", .choice("distance-both"),
                                              .choice(["distance-both", "distance", "single-distance", "random", "cyclic"])),
                                        .init("init_active", .number(2), .positive),
                                        .init("max_gradient_noise", .number(1), .positive)],
                      build: nil),
    ]

    public static func named(_ name: String) -> OptimizerSpec? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }
    /// The optimizers that take a step per minibatch (all but SFO, which has its own driver).
    public static var stepperNames: [String] { all.filter(\.isStepper).map(\.name) }
}

/// Shortest text that reads back to the same Float, without a trailing ".0" ("2", "0.001",
/// "1e-05", "nan", "inf"). Used for every number adam-bench writes.
public func formatNumber(_ x: Float) -> String { trimmed(x.description) }

/// Hyperparameters are given in decimal and used as Double; print them the way a person wrote
/// them (shortest Double form) so 0.001 does not become 0.0010000000474974513.
public func formatNumber(_ x: Double) -> String { trimmed(x.description) }

private func trimmed(_ s: String) -> String { s.hasSuffix(".0") ? String(s.dropLast(2)) : s }
