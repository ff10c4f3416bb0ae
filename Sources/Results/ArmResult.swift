// What one training arm produces: its curve rows, its status and its timings.
import Config

/// One row of curves.csv. Missing values are nil and print as empty cells.
public struct CurveRow: Sendable, Equatable {
    public var epoch: Double
    public var iteration: Int
    public var trainLoss: Double?
    public var evalTrainLoss: Double?
    public var testLoss: Double?
    public var testAccuracy: Double?

    package init(epoch: Double, iteration: Int, trainLoss: Double?, evalTrainLoss: Double?, testLoss: Double?, testAccuracy: Double?) {
        (self.epoch, self.iteration, self.trainLoss, self.evalTrainLoss, self.testLoss, self.testAccuracy) =
            (epoch, iteration, trainLoss, evalTrainLoss, testLoss, testAccuracy)
    }
}

public enum ArmStatus: Sendable, Equatable {
    case ok
    /// Loss became NaN or infinite at this iteration; the arm stopped there.
    case diverged(iteration: Int)
}

public struct EpochTiming: Sendable, Equatable {
    public var epoch: Int
    public var wallSeconds: Double
    public var trainSeconds: Double
    public var evalSeconds: Double
    public var examples: Int
    /// Time spent writing the checkpoint after this epoch (0 when none was written).
    public var checkpointSeconds: Double = 0

    package init(epoch: Int, wallSeconds: Double, trainSeconds: Double, evalSeconds: Double, examples: Int, checkpointSeconds: Double = 0) {
        (self.epoch, self.wallSeconds, self.trainSeconds, self.evalSeconds, self.examples, self.checkpointSeconds) =
            (epoch, wallSeconds, trainSeconds, evalSeconds, examples, checkpointSeconds)
    }
}

public struct ArmResult: Sendable {
    public var arm: ArmConfig
    public var seed: UInt64
    public var rows: [CurveRow]
    public var status: ArmStatus
    public var timings: [EpochTiming]
    public var wallSeconds: Double
    /// The parameters at the end of training, kept only with `training.save_params`.
    public var finalParameters: [Float]? = nil

    package init(arm: ArmConfig, seed: UInt64, rows: [CurveRow], status: ArmStatus, timings: [EpochTiming], wallSeconds: Double,
                 finalParameters: [Float]? = nil) {
        (self.arm, self.seed, self.rows, self.status, self.timings, self.wallSeconds, self.finalParameters) =
            (arm, seed, rows, status, timings, wallSeconds, finalParameters)
    }
}

extension ArmResult {
    /// The result as it stood at the end of epoch `epoch`: its rows and timings up to it, and
    /// diverged only when it diverged by then. A point cut by successive halving is shown so.
    public func through(_ epoch: Double) -> ArmResult {
        var r = self
        r.rows = rows.filter { $0.epoch <= epoch }
        r.timings = timings.filter { Double($0.epoch) <= epoch }
        if case .diverged(let t) = status, !r.rows.contains(where: { $0.iteration >= t }) { r.status = .ok }
        r.finalParameters = nil
        return r
    }
}
