// The tensors of an experiment's flat parameter vector, in order, with PyTorch's names and
// shapes and how each starts (`adam-bench params`): what a file for `"init": {"from": FILE.npy}`
// must hold and what `save_params` writes.
import Config
import NN
import Results

public struct ParameterEntry: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let count: Int
    /// How the tensor starts: zeros, glorot-uniform, normal(STD) or file.
    public let initialization: String
}

public enum ParameterTable {
    public static let header = "name,shape,offset,count,init"

    /// One CSV row per tensor; the shape is written as PyTorch prints it, e.g. 1000x784.
    public static func csv(_ entries: [ParameterEntry]) -> String {
        var out = header + "\n"
        for e in entries {
            out += "\(e.name),\(e.shape.map(String.init).joined(separator: "x")),\(e.offset),\(e.count),\(e.initialization)\n"
        }
        return out
    }

    /// The initialisation of a weight of `layer` (nil: of the model as a whole), as `params` and
    /// `validate` print it; biases start at zero whatever it is.
    public static func initText(_ initialization: Initialization, layer: String?) -> String {
        switch initialization {
        case .zeros, .glorotUniform: return initialization.name
        case .normal(let std): return "normal(\(JSON.number(std).rendered()))"
        case .normalByLayer:
            guard let layer, let std = initialization.normalStd(layer: layer) else { return "normal by layer (see adam-bench params)" }
            return "normal(\(JSON.number(std).rendered()))"
        }
    }
}

extension ExperimentConfig {
    /// Input size and class count of a dataset by name, known without reading it (a libsvm file
    /// without a `labels` list is taken as two classes until it is read).
    var datasetShape: (inputSize: Int, classes: Int)? {
        switch dataset {
        case .idx: return (784, 10)
        case .cifar10: return (3072, 10)
        case .imdb(_, let vocabulary, _, _): return (vocabulary, 2)
        case .libsvm(_, _, let features, _, let labels, _): return (features, labels?.count ?? 2)
        case .quadratic, .rosenbrock: return nil
        }
    }

    /// The model's tensors (or a synthetic objective's one vector `theta`), for the data of
    /// `problem` when it is loaded, else for the named data set's standard shape.
    public func parameterTable(problem: Problem? = nil) -> [ParameterEntry] {
        switch dataset {
        case .quadratic(let a, _, _, _): return [ParameterEntry(name: "theta", shape: [a.count], offset: 0, count: a.count, initialization: "dataset.init")]
        case .rosenbrock: return [ParameterEntry(name: "theta", shape: [2], offset: 0, count: 2, initialization: "dataset.init")]
        case .idx, .cifar10, .imdb, .libsvm:
            var (d, k) = datasetShape!
            if case .supervised(let data, _, _)? = problem { (d, k) = (data.inputSize, data.classes) }
            let m = self.model!
            let model = makeModel(m, inputSize: d, classes: k, maxBatch: 1, threads: 1)
            return model.layout.views.map { v in
                let start = m.initFrom != nil ? "file" : v.isWeight ? ParameterTable.initText(m.initialization, layer: v.layer) : "zeros"
                return ParameterEntry(name: v.name, shape: v.shape, offset: v.offset, count: v.count, initialization: start)
            }
        }
    }
}
