// Test fixtures in the real file formats, generated on the fly so tests need neither network
// nor the real datasets.
import CZlib
import Foundation
import Kernels

public enum Fixtures {
    /// An IDX file of unsigned bytes with the given dimensions.
    public static func idx(dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { out += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return out + bytes
    }

    /// gzip-compressed bytes (zlib's deflate with a gzip header).
    public static func gzip(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf -> Int in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }

    /// A small learnable image set: class c lights a 3-row band at row 2c+1 plus seeded noise.
    public static func images(count: Int, rows: Int = 28, cols: Int = 28, seed: UInt64) -> (images: [UInt8], labels: [UInt8]) {
        var rng = RNG(seed: seed, stream: 99)
        var images = [UInt8](repeating: 0, count: count * rows * cols)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let label = rng.below(10)
            labels[i] = UInt8(label)
            for r in 0..<rows {
                for c in 0..<cols {
                    let band = abs(r - (2 * label + 1) * rows / 21) <= 1
                    let noise = rng.below(60)
                    images[(i * rows + r) * cols + c] = UInt8(min(255, (band ? 180 : 0) + noise))
                }
            }
        }
        return (images, labels)
    }

    /// Writes the four MNIST IDX files for a generated dataset into `directory`.
    public static func writeMNIST(to directory: String, train: Int = 300, test: Int = 100, rows: Int = 28, cols: Int = 28,
                                  gzip gz: Bool = false, dotted: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func name(_ stem: String, _ kind: String) -> String {
            (dotted ? "\(stem).\(kind)-ubyte" : "\(stem)-\(kind)-ubyte") + (gz ? ".gz" : "")
        }
        func write(_ bytes: [UInt8], _ file: String) throws {
            try Data(gz ? gzip(bytes) : bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(file))
        }
        let tr = images(count: train, rows: rows, cols: cols, seed: 1)
        let te = images(count: test, rows: rows, cols: cols, seed: 2)
        try write(idx(dimensions: [train, rows, cols], bytes: tr.images), name("train-images", "idx3"))
        try write(idx(dimensions: [train], bytes: tr.labels), name("train-labels", "idx1"))
        try write(idx(dimensions: [test, rows, cols], bytes: te.images), name("t10k-images", "idx3"))
        try write(idx(dimensions: [test], bytes: te.labels), name("t10k-labels", "idx1"))
    }
}

extension Fixtures {
    /// CIFAR-10 binary records (1 label byte + 3072 pixel bytes each) for `count` generated images:
    /// label i % 10 (a pattern the tests can check), pixels from a seeded stream.
    public static func cifarRecords(count: Int, seed: UInt64) -> [UInt8] {
        var rng = RNG(seed: seed, stream: 7)
        var out = [UInt8](repeating: 0, count: count * 3073)
        for i in 0..<count {
            out[i * 3073] = UInt8(i % 10)
            var j = 1
            while j < 3073 {
                var bits = rng.next()
                for _ in 0..<min(8, 3073 - j) { out[i * 3073 + j] = UInt8(truncatingIfNeeded: bits); bits >>= 8; j += 1 }
            }
        }
        return out
    }

    /// The CIFAR-10 binary folder: five training batches of `perBatch` records, batches.meta.txt,
    /// and a test file of `test` records named `testName` (none when test is 0).
    public static func writeCIFAR(to directory: String, perBatch: Int = 10_000, test: Int = 0,
                                  testName: String = "test_batch.bin") throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let url = URL(fileURLWithPath: directory)
        for b in 1...5 {
            try Data(cifarRecords(count: perBatch, seed: UInt64(b))).write(to: url.appendingPathComponent("data_batch_\(b).bin"))
        }
        let meta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"
        try Data(meta.utf8).write(to: url.appendingPathComponent("batches.meta.txt"))
        if test > 0 { try Data(cifarRecords(count: test, seed: 9)).write(to: url.appendingPathComponent(testName)) }
    }
}

/// A fresh directory under the system's temporary folder, removed by `remove()`.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String
    public init() {
        path = NSTemporaryDirectory() + "adam-bench-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    public func write(_ text: String, to name: String) -> String {
        let p = file(name)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }
    public func read(_ name: String) -> String? { try? String(contentsOfFile: file(name), encoding: .utf8) }
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
    deinit { remove() }
}

/// Runs the built `adam-bench` binary as a user would and captures what it prints.
public enum Binary {
    public struct Output {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The executable sits next to the test bundle in SwiftPM's build folder.
    public static var path: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("adam-bench").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return URL(fileURLWithPath: bundle.bundlePath).deletingLastPathComponent().appendingPathComponent("adam-bench").path
        }
        return "adam-bench"
    }

    /// With `killAfter`, the process is sent SIGKILL after that many seconds if still running
    /// (its status is then 9).
    /// With `fileSizeLimit` (KiB), the binary runs under `ulimit -f`: no file it writes may grow
    /// beyond that, as on a nearly full disk.
    public static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                           killAfter: Double? = nil, fileSizeLimit: Int? = nil) throws -> Output {
        let process = Process()
        if let fileSizeLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(fileSizeLimit) && exec \"$0\" \"$@\"", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ADAM_BENCH_DATA")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let killAfter {
            nonisolated(unsafe) let running = process
            Thread.detachNewThread {
                usleep(UInt32(killAfter * 1e6))
                if running.isRunning { kill(running.processIdentifier, SIGKILL) }
            }
        }
        // Read both pipes fully before waiting, so a chatty child never blocks on a full pipe.
        let errData = UncheckedBox<Data>()
        let reader = Thread { errData.value = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errData.value == nil { usleep(1000) }
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.value!, as: UTF8.self))
    }
}

final class UncheckedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
