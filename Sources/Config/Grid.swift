// Hyperparameter values as configs write them, and the grids of `sweep` and `tune`.
import Optim

extension HyperValue {
    /// A config value as a hyperparameter value (numbers, booleans, strings); nil for anything else.
    init?(json: JSON) {
        switch json {
        case .number(let x): self = .number(x)
        case .bool(let b): self = .flag(b)
        case .string(let s): self = .choice(s)
        default: return nil
        }
    }

    var json: JSON {
        switch self {
        case .number(let x): return .number(x)
        case .flag(let b): return .bool(b)
        case .choice(let s): return .string(s)
        }
    }
}

/// One key of a grid and the values it takes, in config order.
public struct GridAxis: Sendable, Equatable {
    public let key: String
    public let values: [HyperValue]
}

/// Parses {"key": [values], …} at `path`. `specs(key)` returns the hyperparameter specs every
/// value must satisfy (one per optimizer the grid applies to), or throws why the key is not allowed.
func parseGrid(_ json: JSON?, path: String, specs: (String) throws -> [HyperparameterSpec]) throws -> [GridAxis] {
    guard let json, case .object(let pairs) = json, !pairs.isEmpty else {
        throw ConfigError(path: path, "is required: an object of hyperparameter: [values], e.g. {\"lr\": [1e-4, 1e-3]}")
    }
    return try pairs.map { key, valuesJSON in
        let keyPath = "\(path).\(key)"
        let checks = try specs(key)
        guard case .array(let items) = valuesJSON, !items.isEmpty else { throw ConfigError(path: keyPath, "must be a non-empty array of values") }
        var values: [HyperValue] = []
        for (i, item) in items.enumerated() {
            guard let v = HyperValue(json: item) else {
                throw ConfigError(path: "\(keyPath)[\(i)]", "must be \(checks[0].domain.summary), got \(item.typeName)")
            }
            for h in checks { if let problem = h.domain.check(v) { throw ConfigError(path: "\(keyPath)[\(i)]", problem) } }
            if values.contains(v) { throw ConfigError(path: "\(keyPath)[\(i)]", "repeats the value \(v)") }
            values.append(v)
        }
        return GridAxis(key: key, values: values)
    }
}

/// The spec of hyperparameter `key` of `arm`'s optimizer, or a ConfigError at `path` saying
/// which keys that optimizer takes (and `hint`, when given).
func hyperparameter(_ key: String, of arm: ArmConfig, path: String, hint: String = "") throws -> HyperparameterSpec {
    let spec = Optimizers.named(arm.optimizer)!
    guard let h = spec.hyperparameters.first(where: { $0.name == key }) else {
        throw ConfigError(path: path, "is not a hyperparameter of \(arm.optimizer) (it takes \(spec.hyperparameters.map(\.name).joined(separator: ", ")))" + hint)
    }
    return h
}

func gridJSON(_ grid: [GridAxis]) -> JSON {
    .object(grid.map { ($0.key, JSON.array($0.values.map(\.json))) })
}
