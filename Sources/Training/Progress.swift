// Progress on stderr: a live line on a terminal, one line per epoch otherwise (logs, CI).
import Config
import Foundation
import Results

public final class StderrProgress: ProgressSink, @unchecked Sendable {
    let experiment: String
    let totalEpochs: Int
    let live: Bool
    let lock = NSLock()
    let started = ContinuousClock.now
    var done = 0
    var latest: [String: String] = [:]
    var order: [String] = []
    var lastDraw = ContinuousClock.now - .seconds(1)

    public init(experiment: String, totalEpochs: Int) {
        self.experiment = experiment
        self.totalEpochs = totalEpochs
        live = isatty(STDERR_FILENO) == 1
    }

    public func epochFinished(arm: String, seed: UInt64, epoch: Int, of epochs: Int, row: CurveRow?, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let loss = row?.trainLoss.map { String(format: "%.4g", $0) } ?? "-"
        let accuracy = row?.testAccuracy.map { String(format: "  test_acc %.4f", $0) } ?? ""
        let key = "\(arm)/\(seed)"
        if live {
            if latest[key] == nil { order.append(key) }
            latest[key] = "\(arm) \(epoch)/\(epochs) \(loss)"
            guard ContinuousClock.now - lastDraw > .milliseconds(100) || done == totalEpochs else { return }
            lastDraw = ContinuousClock.now
            let line = "\(experiment): " + order.compactMap { latest[$0] }.joined(separator: " | ") + "  ETA \(eta())"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + terminalSafe(line)).utf8))
        } else {
            let line = "\(experiment) \(arm) seed \(seed): epoch \(epoch)/\(epochs)  train_loss \(loss)\(accuracy)  \(String(format: "%.2f", seconds)) s  ETA \(eta())\n"
            FileHandle.standardError.write(Data(terminalSafe(line).utf8))
        }
    }

    public func notice(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(((live ? "\r\u{1B}[K" : "") + "adam-bench: note: " + terminalSafe(text) + "\n").utf8))
    }

    /// Ends the live line.
    public func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func eta() -> String {
        guard done > 0 else { return "?" }
        let d = ContinuousClock.now - started
        let elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        // Totals count only the work that will run (a sweep's expanded grid, less what its
        // checkpoints and finished points already hold); never below zero regardless.
        let remaining = Int((elapsed * Double(max(0, totalEpochs - done)) / Double(done)).rounded())
        return remaining >= 60 ? "\(remaining / 60)m\(String(format: "%02d", remaining % 60))s" : "\(remaining)s"
    }
}
