// Fault injection for the tests of what a failure or a kill at each step of writing leaves
// behind: a step counter per operation ("write": each file staged; "commit": each step of a set's
// commit; "realign": each step of renumbering a grown grid's points). At the chosen step the
// process dies as under kill -9, or the step fails as on a full disk or a failed rename. Set for
// a process by ADAM_BENCH_FAULT=kill-at-step:OPERATION:N (or fail-at-step:...), for one test's
// task by `Faults.$current`. Unset in normal use.
import Foundation

package final class Faults: @unchecked Sendable {
    package enum Action: Sendable { case fail, kill }

    let operation: String
    let step: Int
    let action: Action
    private let lock = NSLock()
    private var count = 0

    package init(_ operation: String, step: Int, action: Action) {
        self.operation = operation
        self.step = step
        self.action = action
    }

    /// Steps of the operation counted so far.
    package var steps: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }

    @TaskLocal package static var current: Faults? = nil

    static let environment: Faults? = {
        guard let text = ProcessInfo.processInfo.environment["ADAM_BENCH_FAULT"] else { return nil }
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, let n = Int(parts[2]), n >= 1 else { return nil }
        switch parts[0] {
        case "kill-at-step": return Faults(parts[1], step: n, action: .kill)
        case "fail-at-step": return Faults(parts[1], step: n, action: .fail)
        default: return nil
        }
    }()

    /// Counts a step of `operation`. At the chosen step a kill fault kills the process, and a
    /// fail fault returns true: the caller then fails that step as it would for real.
    package static func hit(_ operation: String) -> Bool {
        guard let f = current ?? environment, f.operation == operation else { return false }
        f.lock.lock()
        f.count += 1
        let now = f.count == f.step
        f.lock.unlock()
        guard now else { return false }
        if f.action == .kill { kill(getpid(), SIGKILL) }
        return true
    }
}
