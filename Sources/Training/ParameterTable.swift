// The tensors of an experiment's flat parameter vector, in order, with PyTorch's names and
// shapes (`adam-bench params`): what a file for `"init": {"from": FILE.npy}` must hold and what
// `save_params` writes.
import Config
import NN
import Results

public struct ParameterEntry: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let count: Int
}

public enum ParameterTable {
    public static let header = "name,shape,offset,count"

    /// One CSV row per tensor; the shape is written as PyTorch prints it, e.g. 1000x784.
    public static func csv(_ entries: [ParameterEntry]) -> String {
        var out = header + "\n"
        for e in entries { out += "\(e.name),\(e.shape.map(String.init).joined(separator: "x")),\(e.offset),\(e.count)\n" }
        return out
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
        case .quadratic(let a, _, _, _): return [ParameterEntry(name: "theta", shape: [a.count], offset: 0, count: a.count)]
        case .rosenbrock: return [ParameterEntry(name: "theta", shape: [2], offset: 0, count: 2)]
        case .idx, .cifar10, .imdb, .libsvm:
            var (d, k) = datasetShape!
            if case .supervised(let data, _, _)? = problem { (d, k) = (data.inputSize, data.classes) }
            let model = makeModel(self.model!, inputSize: d, classes: k, maxBatch: 1, threads: 1)
            return model.layout.views.map { ParameterEntry(name: $0.name, shape: $0.shape, offset: $0.offset, count: $0.count) }
        }
    }
}
