// `adam-bench params CONFIG [--data-dir DIR]`: the tensors of the config's model in the flat
// parameter vector's order, with PyTorch's names and shapes, as CSV on stdout:
// name,shape,offset,count,init (zeros, glorot-uniform, normal(STD) or file). Sizes come from the data when it is there (a starting file named by
// the config is not needed), else from the data set's standard shape (MNIST: 28x28, 10 classes).
import Datasets
import Config
import Results
import Training
import Foundation

enum ParamsCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--data-dir"], switches: [])
        guard a.positional.count == 1 else { throw UsageError("params takes one config: adam-bench params CONFIG [--data-dir DIR]") }
        let given = try ExperimentConfig.load(a.positional[0])
        var config = given
        config.model?.initFrom = nil  // the table is what such a file must hold; it need not exist yet
        let dataDirectory = try a.dataDirectory()
        var problem: Problem? = nil
        if !config.dataset.isSynthetic {
            do { problem = try config.loadProblem(dataDirectory: dataDirectory) } catch let e as DatasetError {
                printErr("adam-bench: note: data not read (\(e.file)); sizes are those of standard \(config.dataset.name)")
            }
        }
        try problem?.checkMemory(config, threads: 1)
        print(ParameterTable.csv(given.parameterTable(problem: problem)), terminator: "")
    }
}
