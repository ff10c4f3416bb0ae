// MNIST and Fashion-MNIST from their IDX files (raw or .gz, both file-name spellings).
import Foundation
import Kernels

public enum MNIST {
    public struct Options: Sendable, Equatable {
        /// Keep only the first N training examples.
        public var trainLimit: Int? = nil
        /// Threshold pixels at 0.5 to {0, 1} (the binarised MNIST of VAE experiments).
        public var binarize = false
        public init(trainLimit: Int? = nil, binarize: Bool = false) {
            self.trainLimit = trainLimit
            self.binarize = binarize
        }
    }

    static let parts = [("train-images", "idx3"), ("train-labels", "idx1"), ("t10k-images", "idx3"), ("t10k-labels", "idx1")]

    /// The names tried for one file, in order: `train-images-idx3-ubyte`, then `.gz`, then the
    /// `train-images.idx3-ubyte` spelling some mirrors use, raw then `.gz`.
    public static func candidates(_ stem: String, _ kind: String) -> [String] {
        let dashed = "\(stem)-\(kind)-ubyte", dotted = "\(stem).\(kind)-ubyte"
        return [dashed, dashed + ".gz", dotted, dotted + ".gz"]
    }

    /// The paths of the four files in `directory`, or an error naming what was looked for.
    public static func locate(directory: String, datasetName: String) throws -> [String] {
        try parts.map { stem, kind in
            let names = candidates(stem, kind)
            for name in names {
                let path = (directory as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            var isDir: ObjCBool = false
            let dirExists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) && isDir.boolValue
            let problem = dirExists
                ? "has no \(names[0]) (also looked for \(names.dropFirst().joined(separator: ", ")))"
                : "does not exist (looked for the \(datasetName) IDX files there)"
            let hint = datasetName == "fashion-mnist"
                ? "install Debian's dataset-fashion-mnist and run `make data`, or copy the four IDX files there; or pass --data-dir / set ADAM_BENCH_DATA"
                : "run `make data` to fetch MNIST into data/, or pass --data-dir / set ADAM_BENCH_DATA to a directory that holds it"
            throw DatasetError(file: directory, problem, hint: hint)
        }
    }

    /// Loads and checks the four files. Pixels are bytes / 255.
    public static func load(directory: String, datasetName: String = "mnist", options: Options = Options()) throws -> Dataset {
        let paths = try locate(directory: directory, datasetName: datasetName)
        var files: [DataFile] = []
        func readIDX(_ path: String, rank: Int) throws -> IDXArray {
            let (array, raw, content) = try IDX.load(path, rank: rank)
            let fileHash = SHA256.hex(raw)
            files.append(DataFile(path: path, sha256: fileHash,
                                  contentSHA256: path.hasSuffix(".gz") ? SHA256.hex(content) : fileHash))
            return array
        }
        let train = try split(images: readIDX(paths[0], rank: 3), imagesPath: paths[0], labels: readIDX(paths[1], rank: 1), labelsPath: paths[1],
                              limit: options.trainLimit, binarize: options.binarize)
        let test = try split(images: readIDX(paths[2], rank: 3), imagesPath: paths[2], labels: readIDX(paths[3], rank: 1), labelsPath: paths[3],
                             limit: nil, binarize: options.binarize)
        guard train.inputSize == test.inputSize else {
            throw DatasetError(file: paths[2], "has images of \(test.inputSize) pixels but the training images have \(train.inputSize)")
        }
        return Dataset(name: datasetName, classes: 10, train: train, test: test, files: files)
    }

    static func split(images: IDXArray, imagesPath: String, labels: IDXArray, labelsPath: String,
                      limit: Int?, binarize: Bool) throws -> LabeledData {
        guard images.dimensions.count == 3 else {
            throw DatasetError(file: imagesPath, "has \(images.dimensions.count) dimensions; image files have 3 (count, rows, columns)",
                               hint: "is this a labels file? check the file names")
        }
        guard labels.dimensions.count == 1 else {
            throw DatasetError(file: labelsPath, "has \(labels.dimensions.count) dimensions; label files have 1",
                               hint: "is this an images file? check the file names")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError(file: labelsPath, "holds \(labels.dimensions[0]) labels but \(imagesPath) holds \(images.dimensions[0]) images",
                               hint: "the two files come from different downloads; fetch both again")
        }
        for (i, y) in labels.bytes.enumerated() where y > 9 {
            throw DatasetError(file: labelsPath, "has label \(y) at index \(i); labels must be 0...9", hint: redownloadHint)
        }
        let total = images.dimensions[0]
        let count = min(total, limit ?? total)
        let size = images.dimensions[1] * images.dimensions[2]
        let x = FloatBuffer(count: count * size)
        var table = [Float](repeating: 0, count: 256)
        for b in 0..<256 { table[b] = binarize ? (b > 127 ? 1 : 0) : Float(b) / 255 }
        images.bytes.withUnsafeBufferPointer { src in
            for i in 0..<(count * size) { x.base[i] = table[Int(src[i])] }
        }
        return LabeledData(x: x, labels: labels.bytes[0..<count].map { Int32($0) }, inputSize: size)
    }
}
