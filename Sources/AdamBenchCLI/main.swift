// adam-bench: an experiment runner that reproduces Kingma & Ba (2015), "Adam".
import Config
import Results
import Training
import Foundation

func dispatch(_ args: [String]) -> ExitStatus {
    guard let command = args.first else {
        print(HelpText.general)
        return .usage
    }
    let rest = Array(args.dropFirst())
    // `adam-bench run --help` is `adam-bench help run`.
    if rest.contains("--help") || rest.contains("-h"), let text = HelpText.topics[command] {
        print(text)
        return .success
    }
    do {
        switch command {
        case "run": try RunCommand.main(rest)
        case "validate": try ValidateCommand.main(rest)
        case "list": try ListCommand.main(rest)
        case "bench": try BenchCommand.main(rest)
        case "sweep": try RunCommand.main(rest, command: "sweep")
        case "params": try ParamsCommand.main(rest)
        case "collect": try CollectCommand.main(rest)
        case "diff": return try DiffCommand.main(rest)
        case "plot": return try PlotCommand.main(rest)
        case "report": return try ReportCommand.main(rest)
        case "help", "--help", "-h":
            guard let topic = rest.first else { print(HelpText.general); return .success }
            guard let text = HelpText.topics[topic] else {
                throw UsageError("no help for '\(topic)' (topics: \(HelpText.topics.keys.sorted().joined(separator: ", ")))")
            }
            print(text)
        case "--version", "version": print("adam-bench \(AdamBench.version)")
        default:
            throw UsageError("unknown command '\(command)' (commands: run, sweep, collect, validate, params, list, diff, plot, report, bench, help)")
        }
        return .success
    } catch {
        return report(error)
    }
}

// A file-size limit (ulimit -f) then makes a write fail with EFBIG, reported like a full disk,
// instead of killing the process half-way through writing results.
signal(SIGXFSZ, SIG_IGN)
exit(dispatch(Array(CommandLine.arguments.dropFirst())).rawValue)
