// `adam-bench params CONFIG`: the tensors of the config's model in the flat parameter vector's
// order, with PyTorch's names and shapes, as CSV on stdout: name,shape,offset,count.
import Experiments
import Foundation

enum ParamsCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: [], switches: [])
        guard a.positional.count == 1 else { throw UsageError("params takes one config: adam-bench params CONFIG") }
        let config = try ExperimentConfig.load(a.positional[0])
        print(ParameterTable.csv(try config.parameterTable()), terminator: "")
    }
}
