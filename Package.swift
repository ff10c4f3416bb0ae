// swift-tools-version:6.0
// adam-bench: reproduces the experiments of Kingma & Ba, "Adam: A Method for Stochastic
// Optimization" (ICLR 2015). No package dependencies; zlib comes from the system.
import PackageDescription

// Numeric kernels are written with explicit SIMD types; they only become wide vector code when
// the compiler may target the CPU's vector units. The Makefile passes the CPU flags
// (see `make print-flags`); a plain `swift build` still works, only slower.

// Math without errno: otherwise every square root in the optimizers calls libm's sqrtf lane by
// lane (to set errno for negative inputs, which nothing here reads) instead of one vsqrtps.
let numeric: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]

let package = Package(
    name: "adam-bench",
    products: [
        // MARK: - Public products
        .executable(name: "adam-bench", targets: ["AdamBenchCLI"]),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // MARK: - Implementation modules (dependencies point one way:
        // Kernels <- NN, Optim, Datasets <- Config <- Results <- Training <- AdamBenchCLI;
        // LinearAlgebra stands alone, float64 dense routines for SFO and whitening; SFO <- LinearAlgebra)
        .target(name: "Kernels", swiftSettings: numeric),
        .target(name: "LinearAlgebra", swiftSettings: numeric),
        .target(name: "SFO", dependencies: ["LinearAlgebra"], swiftSettings: numeric),
        .target(name: "NN", dependencies: ["Kernels"], swiftSettings: numeric),
        .target(name: "Optim", dependencies: ["Kernels"], swiftSettings: numeric),
        .target(name: "Datasets", dependencies: ["Kernels", "CZlib"]),
        .target(name: "Config", dependencies: ["NN", "Optim", "Datasets"]),
        .target(name: "Results", dependencies: ["Config", "Optim", "Datasets"]),
        .target(name: "Training", dependencies: ["Kernels", "NN", "Optim", "Datasets", "Config", "Results", "SFO"], swiftSettings: numeric),
        .executableTarget(name: "AdamBenchCLI", dependencies: ["Training", "Results", "Config", "Datasets", "Kernels", "Optim", "NN"]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["CZlib", "Kernels"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Kernels", "TestSupport"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "Kernels"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "LinearAlgebra", "Kernels", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Config", "Results", "Training", "Datasets", "Kernels", "TestSupport"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "SFOTests", dependencies: ["SFO", "LinearAlgebra"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
    ]
)
