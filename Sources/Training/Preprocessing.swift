// The `preprocess` of an image data set (the README's Data section): statistics of
// the training set only, applied to training and test images alike. ZCA's mean and matrix are
// computed once per data set, train_limit, ε (and for gcn-zca the contrast normalisation) and
// cached on disk under a key made of the training files' SHA-256, so later runs only apply them.
import Config
import Datasets
import Foundation
import Kernels
import Results

public enum Preprocessing {
    /// ADAM_BENCH_CACHE, else $XDG_CACHE_HOME/adam-bench, else ~/.cache/adam-bench.
    public static func cacheDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["ADAM_BENCH_CACHE"], !dir.isEmpty { return dir }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return (xdg as NSString).appendingPathComponent("adam-bench") }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/adam-bench")
    }

    /// Image channels of CIFAR-10's rows (1024 pixels each).
    static func channels(_ data: Dataset) -> Int { data.inputSize == 3072 ? 3 : 1 }

    /// The data set transformed in place; ZCA (plain or after contrast normalisation) adds a
    /// record of its cache file to `files`.
    public static func apply(_ p: Preprocess, to data: Dataset, cache: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                             log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws -> Dataset {
        switch p {
        case .none:
            return data
        case .standardize:
            standardize(data)
            return data
        case .zca(let epsilon):
            return whiten(data, epsilon: epsilon, key: cacheKey(data, epsilon: epsilon), file: "zca",
                          what: "ZCA whitening (epsilon \(epsilon))", cache: cache, threads: threads, log: log)
        case .gcnZCA(let scale, let epsilon):
            let started = Date()
            for set in [data.train, data.test] {
                ContrastNormalization.global(set.x.base, rows: set.count, features: data.inputSize, scale: scale, pixelScale: pixelScale)
            }
            let gcn = String(format: "global contrast normalisation (scale %g) in %.1f s, then ", scale, Date().timeIntervalSince(started))
            return whiten(data, epsilon: epsilon, key: cacheKey(data, epsilon: epsilon, gcnScale: scale), file: "gcn-zca",
                          what: gcn + "ZCA whitening (filter bias \(epsilon))", cache: cache, threads: threads, log: log)
        }
    }

    /// pylearn2 read CIFAR-10's pixels as 0...255; ours are bytes / 255 (the README's Conventions).
    static let pixelScale = 255.0

    /// ZCA of the training set (read from the cache file `<file>-KEY.bin`, else computed and
    /// cached), applied to training and test images; the record of the cache file is added.
    static func whiten(_ data: Dataset, epsilon: Double, key: String, file: String, what: String, cache: String, threads: Int,
                       log: (String) -> Void) -> Dataset {
        let d = data.inputSize, n = data.train.count
        let path = (cache as NSString).appendingPathComponent("\(file)-\(key.prefix(32)).bin")
        let started = Date()
        var note: String
        var stats = readCache(path, features: d)
        if stats != nil {
            note = what + ", mean and matrix read from the cache"
        } else {
            log("whitening: computing the ZCA matrix of \(n) images x \(d) features (epsilon \(epsilon)); cached for later runs in \(path)")
            let z = Whitening.zca(data.train.x.base, rows: n, features: d, epsilon: epsilon, threads: threads)
            stats = (z.mean, z.matrix)
            let seconds = Date().timeIntervalSince(started)
            note = what + String(format: ", computed in %.1f s (%d Newton-Schulz iterations)", seconds, z.iterations)
            if let problem = writeCache(path, mean: z.mean, matrix: z.matrix) {
                log("whitening: could not cache the matrix (\(problem)); later runs will compute it again")
                note += "; not cached: \(problem)"
            }
        }
        let (mean, matrix) = stats!
        let applyStart = Date()
        Whitening.apply(mean: mean, matrix: matrix, to: data.train.x.base, rows: n, features: d, threads: threads)
        Whitening.apply(mean: mean, matrix: matrix, to: data.test.x.base, rows: data.test.count, features: d, threads: threads)
        note += String(format: "; applied in %.1f s", Date().timeIntervalSince(applyStart))
        let contentHash = matrix.withUnsafeBytes { SHA256.hex(Array($0)) }
        return Dataset(name: data.name, classes: data.classes, train: data.train, test: data.test,
                       files: data.files + [DataFile(path: path, sha256: key, contentSHA256: contentHash, note: note)])
    }

    /// SHA-256 of the training files' hashes, the number of training images and ε; for gcn-zca
    /// also the contrast normalisation's scale, floor and pixel unit (plain ZCA's keys are
    /// unchanged, so its existing cache files stay valid).
    public static func cacheKey(_ data: Dataset, epsilon: Double, gcnScale: Double? = nil) -> String {
        let named = data.files.filter { CIFAR10.trainFiles.contains(($0.path as NSString).lastPathComponent) }
        let trainFiles = named.isEmpty ? data.files : named
        var text = (gcnScale == nil ? "zca v1\n" : "gcn-zca v1\n") + trainFiles.map(\.contentSHA256).joined(separator: "\n")
            + "\ntrain \(data.train.count) x \(data.inputSize)\nepsilon \(epsilon.bitPattern)"
        if let gcnScale {
            text += "\ngcn scale \(gcnScale.bitPattern) min_divisor \(ContrastNormalization.minDivisor.bitPattern) pixel_scale \(pixelScale.bitPattern)"
        }
        return SHA256.hex(Array(text.utf8))
    }

    /// Per-channel mean and standard deviation over every training pixel of the channel.
    static func standardize(_ data: Dataset) {
        let c = channels(data), plane = data.inputSize / c, n = data.train.count
        for ch in 0..<c {
            var sum = 0.0, sumSquares = 0.0
            for r in 0..<n {
                let p = data.train.x.base + r * data.inputSize + ch * plane
                for i in 0..<plane { sum += Double(p[i]); sumSquares += Double(p[i]) * Double(p[i]) }
            }
            let count = Double(n * plane)
            let mean = sum / count, std = max((sumSquares / count - mean * mean).squareRoot(), 1e-12)
            for set in [data.train, data.test] {
                for r in 0..<set.count {
                    let p = set.x.base + r * data.inputSize + ch * plane
                    for i in 0..<plane { p[i] = Float((Double(p[i]) - mean) / std) }
                }
            }
        }
    }

    // MARK: - The cache file: "ADAMZCA1", d (UInt64 little-endian), d mean floats, d·d matrix
    // floats, then Checksum64 of everything before it (UInt64). A damaged file is computed again.

    static let magic = Array("ADAMZCA1".utf8)

    static func readCache(_ path: String, features d: Int) -> (mean: [Float], matrix: [Float])? {
        let expected = 8 + 8 + 4 * (d + d * d) + 8
        guard let bytes = try? FileInput.read(path, limit: expected), bytes.count == expected,
              Array(bytes[0..<8]) == magic else { return nil }
        return bytes.withUnsafeBytes { raw -> (mean: [Float], matrix: [Float])? in
            guard raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian == UInt64(d) else { return nil }
            let sum = raw.loadUnaligned(fromByteOffset: expected - 8, as: UInt64.self).littleEndian
            guard Checksum64.of(UnsafeRawBufferPointer(rebasing: raw[0..<(expected - 8)])) == sum else { return nil }
            var mean = [Float](repeating: 0, count: d), matrix = [Float](repeating: 0, count: d * d)
            mean.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[16..<(16 + 4 * d)])) }
            matrix.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(16 + 4 * d)..<(expected - 8)])) }
            return (mean, matrix)
        }
    }

    /// Writes the cache through a fresh temporary file and a rename (removed when the write
    /// fails, as on a full disk), after removing the temporaries of killed processes; returns a
    /// problem, or nil.
    static func writeCache(_ path: String, mean: [Float], matrix: [Float]) -> String? {
        var bytes = magic
        withUnsafeBytes(of: UInt64(mean.count).littleEndian) { bytes += $0 }
        mean.withUnsafeBytes { bytes += $0 }
        matrix.withUnsafeBytes { bytes += $0 }
        withUnsafeBytes(of: Checksum64.of(bytes).littleEndian) { bytes += $0 }
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            return "\(dir): \(error.localizedDescription)"
        }
        OutputFiles.removeAbandonedTemporaries(in: dir)
        do {
            try OutputFiles.writeAtomically(bytes, to: path)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
