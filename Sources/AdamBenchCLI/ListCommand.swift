// `adam-bench list [optimizers|models|datasets]`.
import Config
import Results
import Training
import Optim

enum ListCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: [], switches: [])
        guard a.positional.count <= 1 else { throw UsageError("list takes at most one of: optimizers, models, datasets") }
        let what = a.positional.first
        guard what == nil || ["optimizers", "models", "datasets"].contains(what!) else {
            throw UsageError("list: unknown category '\(what!)' (expected optimizers, models or datasets)")
        }
        if what == nil || what == "optimizers" {
            print("optimizers (hyperparameter=default, range):")
            for spec in Optimizers.all {
                print("  \(spec.name): \(spec.summary)")
                let hypers = spec.hyperparameters.map { h in
                    "\(h.name)=\(h.defaultValue?.description ?? "(required)") \(h.domain.summary)"
                }
                print("      " + hypers.joined(separator: "; "))
            }
        }
        if what == nil || what == "models" {
            print("models:")
            for kind in ModelKind.allCases {
                print("  \(kind.rawValue)" + (ModelKind.available.contains(kind) ? "" : " (not in this version)"))
            }
        }
        if what == nil || what == "datasets" {
            print("datasets:")
            print("  mnist          IDX files (raw or .gz), default path mnist")
            print("  fashion-mnist  IDX files (raw or .gz), default path fashion-mnist")
            print("  quadratic      synthetic: f = 1/2 sum a_i (theta_i - b_i)^2")
            print("  rosenbrock     synthetic: f = (a - x)^2 + b (y - x^2)^2")
            print("  cifar10        CIFAR-10 binary batches, default path cifar-10-batches-bin; preprocess none | standardize | zca")
            print("  imdb           (not in this version)")
        }
    }
}
