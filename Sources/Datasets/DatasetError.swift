// Errors raised where data enters the program. Each names the file and says what to do;
// the command line turns them into exit status 3.

public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String
    public let hint: String?

    public init(file: String, _ problem: String, hint: String? = nil) {
        self.file = file
        self.problem = problem
        self.hint = hint
    }

    public var description: String {
        var s = "\(file): \(problem)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}

let redownloadHint = "the file is damaged; delete it and run `make data` (or fetch it again from the dataset's home page)"
