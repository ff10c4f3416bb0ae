// `adam-bench diff EXPECTED.csv ACTUAL.csv [--rtol R] [--atol A]`: exit 0 when the files agree
// within tolerance (exact by default), 1 when they do not, 2 for bad usage, 3 for unreadable files.
import Config
import Results
import Training
import Foundation

enum DiffCommand {
    static func main(_ args: [String]) throws -> ExitStatus {
        let a = try Arguments(args, valued: ["--rtol", "--atol"], switches: [])
        guard a.positional.count == 2 else { throw UsageError("diff takes two files: adam-bench diff EXPECTED.csv ACTUAL.csv") }
        func tolerance(_ flag: String) throws -> Double {
            guard let text = a.value(flag) else { return 0 }
            guard let x = Double(text), x >= 0, x.isFinite else { throw UsageError("\(flag): must be a number >= 0, got '\(text)'") }
            return x
        }
        let rtol = try tolerance("--rtol"), atol = try tolerance("--atol")
        let expected: CSVTable, actual: CSVTable
        do {
            expected = try CSVTable.read(a.positional[0])
            actual = try CSVTable.read(a.positional[1])
        } catch let e as OutputError {
            printErr("adam-bench: error: \(e)")
            return .data
        }
        let diff = ResultsDiff.compare(expected: expected, actual: actual, rtol: rtol, atol: atol)
        print(diff.report(expectedPath: a.positional[0], actualPath: a.positional[1], rtol: rtol, atol: atol))
        return diff.isEqual ? .success : .differences
    }
}
