// Learning-rate schedules. The schedule's t is the iteration or the epoch, both counted from 1.

public enum ScheduleUnit: String, Sendable, CaseIterable { case iteration, epoch }

public enum Schedule: Sendable, Equatable {
    /// lr_t = lr
    case constant
    /// lr_t = lr / √t (section 4 of the paper; Figure 1)
    case inverseSqrt(per: ScheduleUnit)

    /// The learning rate at 1-based `iteration`, which falls in 1-based `epoch`.
    public func rate(_ lr: Double, iteration: Int, epoch: Int) -> Float {
        switch self {
        case .constant: return Float(lr)
        case .inverseSqrt(.iteration): return Float(lr / Double(iteration).squareRoot())
        case .inverseSqrt(.epoch): return Float(lr / Double(epoch).squareRoot())
        }
    }

    public var name: String {
        switch self {
        case .constant: return "constant"
        case .inverseSqrt(let per): return "inverse-sqrt/\(per.rawValue)"
        }
    }
}
