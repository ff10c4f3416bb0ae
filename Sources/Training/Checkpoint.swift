// Checkpoints inside a point: everything a training point needs to continue exactly where it
// stopped, so that a run killed at any moment and rerun ends with the bytes of one that never
// stopped. Written at the end of every `training.checkpoint_every_epochs` epochs to a temporary
// name and renamed; removed when the point completes.
//
// File layout (little-endian):
//   "ADAMBENCH-CHECKPOINT\n", u32 format version, fingerprint (u32 length + UTF-8),
//   i64 epochs done, i64 iterations done, then the snapshot's fields in the order of `encode`,
//   and last a u64 Checksum64 of every byte before it.
// A file whose checksum, magic, version or lengths do not add up is damaged: it is named on
// stderr and ignored (the point restarts). One with another fingerprint is from other settings
// or another version and is never used.
import Config
import Datasets
import Foundation
import Kernels
import Optim
import Results

/// The state of one point between two epochs.
struct TrainingSnapshot: Equatable {
    var epoch: Int
    var iteration: Int
    var params: [Float]
    var optimizerScalars: [Double]
    var optimizerBuffers: [[Float]]
    /// The running average's step count and values (0 and empty without averaging).
    var averageSteps: Int
    var average: [Float]
    /// Every random stream the loop draws from, in a fixed order per trainer.
    var rngs: [[UInt64]]
    /// The data order as last shuffled (empty for synthetic objectives).
    var order: [Int32]
    /// The minibatch losses accumulated since the last curve row.
    var lossSum: Double
    var lossCount: Int
    var rows: [CurveRow]
    var timings: [EpochTiming]
    /// Wall time spent on the point so far, over every process that worked on it.
    var wallSeconds: Double

    /// Puts the saved state into freshly made parameters, optimizer and average; false (the
    /// point restarts) when any part does not fit them.
    func restore(params: FloatBuffer, optimizer: Optimizer, average: ParameterAverage?, rngs: inout [RNG],
                 recorder: inout CurveRecorder, orderCount: Int) -> Bool {
        guard self.params.count == params.count, order.count == orderCount, rngs.count == self.rngs.count else { return false }
        if average == nil && !self.average.isEmpty { return false }
        if let average, self.average.count != average.state.average.count || averageSteps < 0 { return false }
        let restored = self.rngs.compactMap { RNG(state: $0) }
        guard restored.count == rngs.count else { return false }
        guard optimizer.restore(scalars: optimizerScalars, buffers: optimizerBuffers) else { return false }
        if let average, !average.restore(steps: averageSteps, average: self.average) { return false }
        if !self.params.isEmpty { self.params.withUnsafeBufferPointer { params.base.update(from: $0.baseAddress!, count: params.count) } }
        rngs = restored
        recorder = CurveRecorder(rows: rows, lossSum: lossSum, lossCount: lossCount)
        return true
    }
}

/// Where one point keeps its checkpoint and how often it writes one.
struct CheckpointPlan: Sendable {
    let path: String
    let fingerprint: String
    let everyEpochs: Int

    static let magic = Array("ADAMBENCH-CHECKPOINT\n".utf8)
    static let formatVersion: UInt32 = 1

    enum Loaded {
        case none
        case stale
        case damaged(String)
        case snapshot(TrainingSnapshot)
    }

    /// Whether a checkpoint is due after `epoch` of `epochs` (never after the last: the point
    /// is written whole right after it). A point stopped at `stop` before its last epoch (a rung
    /// of successive halving) always saves one there, whatever `everyEpochs` is: it goes on from it.
    func due(after epoch: Int, of epochs: Int, stop: Int) -> Bool {
        epoch < epochs && ((everyEpochs > 0 && epoch % everyEpochs == 0) || epoch == stop)
    }

    // MARK: - Writing

    func save(_ s: TrainingSnapshot) throws {
        try save(epoch: s.epoch, iteration: s.iteration, params: FloatBuffer(s.params),
                 optimizerScalars: s.optimizerScalars, optimizerBuffers: s.optimizerBuffers.map { FloatBuffer($0) },
                 averageSteps: s.averageSteps, average: FloatBuffer(s.average), rngs: s.rngs, order: s.order,
                 lossSum: s.lossSum, lossCount: s.lossCount, rows: s.rows, timings: s.timings, wallSeconds: s.wallSeconds)
    }

    /// Writes the loop's state straight from its buffers (one pass over the bytes, no copies of
    /// the parameters besides the file's own).
    func save(epoch: Int, iteration: Int, params: FloatBuffer, optimizerScalars: [Double], optimizerBuffers: [FloatBuffer],
              averageSteps: Int, average: FloatBuffer?, rngs: [[UInt64]], order: [Int32], lossSum: Double, lossCount: Int,
              rows: [CurveRow], timings: [EpochTiming], wallSeconds: Double) throws {
        let floats = params.count + optimizerBuffers.reduce(0) { $0 + $1.count } + (average?.count ?? 0)
        var w = ByteWriter(capacity: 4096 + fingerprint.utf8.count + 4 * floats + 4 * order.count + 41 * rows.count + 48 * timings.count)
        w.bytes(Self.magic)
        w.u32(Self.formatVersion)
        w.string(fingerprint)
        w.int(epoch)
        w.int(iteration)
        w.floats(params)
        w.int(optimizerScalars.count)
        for x in optimizerScalars { w.double(x) }
        w.int(optimizerBuffers.count)
        for b in optimizerBuffers { w.floats(b) }
        w.int(averageSteps)
        w.floats(average ?? FloatBuffer(count: 0))
        w.int(rngs.count)
        for r in rngs { w.int(r.count); for x in r { w.u64(x) } }
        w.int(order.count)
        order.withUnsafeBytes { w.raw($0) }
        w.double(lossSum)
        w.int(lossCount)
        w.int(rows.count)
        for r in rows {
            w.double(r.epoch)
            w.int(r.iteration)
            for v in [r.trainLoss, r.evalTrainLoss, r.testLoss, r.testAccuracy] { w.optional(v) }
        }
        w.int(timings.count)
        for t in timings {
            w.int(t.epoch)
            w.double(t.wallSeconds); w.double(t.trainSeconds); w.double(t.evalSeconds)
            w.int(t.examples)
            w.double(t.checkpointSeconds)
        }
        w.double(wallSeconds)
        w.u64(Checksum64.of(w.data))
        if Fault.current == .killDuringCheckpoint(epoch: epoch) {
            // Half the file under its temporary name, then the process dies as under kill -9.
            let fd = (try? OutputFiles.createTemporary(for: path))?.fd ?? -1
            _ = w.data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count / 2) }
            kill(getpid(), SIGKILL)
        }
        try OutputFiles.writeAtomically(w.data, to: path)
        if Fault.current == .killAfterCheckpoint(epoch: epoch) { kill(getpid(), SIGKILL) }
    }

    // MARK: - Reading

    /// Peeks at the epochs a usable-looking checkpoint has done, without reading it whole (for
    /// progress totals); 0 when there is none or it is from other settings.
    func epochsDone() -> Int {
        guard let head = Self.head(path), head.fingerprint == fingerprint, let epoch = head.epoch else { return 0 }
        return max(0, epoch)
    }

    /// The fingerprint a checkpoint file was written with, read from its head; nil when the file
    /// is missing or is not a checkpoint of this format.
    static func storedFingerprint(_ path: String) -> String? { head(path)?.fingerprint }

    /// The fingerprint and epoch at the head of a checkpoint file, without reading it whole.
    private static func head(_ path: String) -> (fingerprint: String, epoch: Int?)? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let bytes = try? h.read(upToCount: 4096) else { return nil }
        var r = ByteReader([UInt8](bytes))
        guard (try? r.bytes(magic.count)) == magic, (try? r.u32()) == formatVersion, let fp = try? r.string() else { return nil }
        return (fp, try? r.int())
    }

    func load() -> Loaded {
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: FileInput.dataLimit) } catch {
            return error == .missing ? .none : .damaged(error.message)
        }
        guard bytes.count >= Self.magic.count + 12, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            return .damaged("is not an adam-bench checkpoint")
        }
        let body = bytes.count - 8
        let stored = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: body, as: UInt64.self).littleEndian }
        do {
            var r = ByteReader(bytes, end: body)
            _ = try r.bytes(Self.magic.count)
            let version = try r.u32()
            let fp = try r.string()
            // A newer or older format, or other settings, is not damage: simply not ours.
            guard version == Self.formatVersion, fp == fingerprint else { return .stale }
            guard bytes.withUnsafeBytes({ Checksum64.of(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }) == stored else {
                return .damaged("fails its checksum (cut short or overwritten)")
            }
            var s = TrainingSnapshot(epoch: try r.int(), iteration: try r.int(), params: try r.floats(), optimizerScalars: [],
                                     optimizerBuffers: [], averageSteps: 0, average: [], rngs: [], order: [], lossSum: 0,
                                     lossCount: 0, rows: [], timings: [], wallSeconds: 0)
            s.optimizerScalars = try (0..<r.count(8)).map { _ in try r.double() }
            s.optimizerBuffers = try (0..<r.count(8)).map { _ in try r.floats() }
            s.averageSteps = try r.int()
            s.average = try r.floats()
            s.rngs = try (0..<r.count(8)).map { _ in try (0..<r.count(8)).map { _ in try r.u64() } }
            let orderCount = try r.count(4)
            s.order = try r.bytes(orderCount * 4).withUnsafeBytes { raw in (0..<orderCount).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) } }
            s.lossSum = try r.double()
            s.lossCount = try r.int()
            s.rows = try (0..<r.count(17)).map { _ in
                CurveRow(epoch: try r.double(), iteration: try r.int(), trainLoss: try r.optional(),
                         evalTrainLoss: try r.optional(), testLoss: try r.optional(), testAccuracy: try r.optional())
            }
            s.timings = try (0..<r.count(48)).map { _ in
                EpochTiming(epoch: try r.int(), wallSeconds: try r.double(), trainSeconds: try r.double(),
                            evalSeconds: try r.double(), examples: try r.int(), checkpointSeconds: try r.double())
            }
            s.wallSeconds = try r.double()
            guard r.atEnd, s.epoch >= 1, s.iteration >= 0, s.lossCount >= 0 else { return .damaged("has fields that do not add up") }
            return .snapshot(s)
        } catch {
            return .damaged("is cut short")
        }
    }

}

/// Fault injection for the kill-and-resume tests: `ADAM_BENCH_FAULT=kill-during-checkpoint:E`
/// dies (SIGKILL) half-way through writing the checkpoint of epoch E, `kill-after-checkpoint:E`
/// right after it is in place. Unset in normal use.
enum Fault: Equatable {
    case none
    case killDuringCheckpoint(epoch: Int)
    case killAfterCheckpoint(epoch: Int)

    static let current: Fault = {
        guard let text = ProcessInfo.processInfo.environment["ADAM_BENCH_FAULT"] else { return .none }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let e = Int(parts[1]) else { return .none }
        switch parts[0] {
        case "kill-during-checkpoint": return .killDuringCheckpoint(epoch: e)
        case "kill-after-checkpoint": return .killAfterCheckpoint(epoch: e)
        default: return .none
        }
    }()
}
