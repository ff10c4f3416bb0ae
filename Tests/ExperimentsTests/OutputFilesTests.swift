// Writing files safely (README, Results): temporary names nobody can guess or plant a link under,
// a set of result files replaced whole or not at all whatever step fails, temporaries of killed
// processes removed (and only theirs), a ZCA cache write that fails leaving nothing behind.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

/// The results of handConfig with `epochs`, written into `dir`/hand.
func writeHand(_ dir: TemporaryDirectory, epochs: Int) throws {
    let c = try ExperimentConfig.parse(JSON.parse(handConfig.replacingOccurrences(of: "\"epochs\": 3", with: "\"epochs\": \(epochs)")))
    let results = ExperimentRunner.train(c, problem: try c.loadProblem(dataDirectory: ""), threads: 1, progress: nil)
    _ = try ResultsFolder.write(c, files: [], results: results, outRoot: dir.path, threads: 1, started: Date(timeIntervalSince1970: 0))
}

func listing(_ path: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

let handFiles = ["curves.csv", "manifest.json", "summary.csv", "timings.csv"]

/// Each step of staging (a write failing half-way, as on a full disk) and of the commit (a
/// backup link, the journal, a rename) made to fail in turn: the old set stays exactly as it
/// was and nothing else is left in the folder; a step past the last, or one whose failure
/// changes nothing (removing a backup), ends with the new set whole.
@Test(arguments: ["write", "commit"])
func aFailureAtAnyStepOfReplacingResultsKeepsTheOldSetWhole(_ operation: String) throws {
    let dir = TemporaryDirectory()
    try writeHand(dir, epochs: 2)
    let new = handFiles.map { dir.read("hand/\($0)") }
    var failures = 0
    for step in 1...40 {
        try writeHand(dir, epochs: 3)
        let old = handFiles.map { dir.read("hand/\($0)") }
        #expect(old[0] != new[0] && old[2] != new[2])
        let fault = Faults(operation, step: step, action: .fail)
        var failed = false
        try Faults.$current.withValue(fault) {
            do { try writeHand(dir, epochs: 2) } catch let e as OutputError {
                failed = true
                #expect(e.problem.contains("the old results are kept") || e.problem.contains("is the disk full?"), "\(e)")
            }
        }
        #expect(listing(dir.file("hand")) == handFiles, "step \(step): \(listing(dir.file("hand")))")
        let now = handFiles.map { dir.read("hand/\($0)") }
        if failed {
            failures += 1
            #expect(now == old, "\(operation) step \(step) failed but replaced some files")
        } else {
            // curves.csv and summary.csv are the new run's (timings and the manifest's times vary).
            #expect(now[0] == new[0] && now[2] == new[2] && now[1] != old[1] && now[3] != old[3], "\(operation) step \(step)")
        }
        if fault.steps < step { break }
    }
    // write: the 4 files and the journal; commit: 4 links, the journal, 4 renames.
    #expect(failures == (operation == "write" ? 5 : 9), "\(failures) steps failed")
}

/// A folder where a result file belongs (a rename into it fails) is refused before anything is
/// replaced.
@Test func aFolderInTheWayOfAResultFileKeepsTheOldSet() throws {
    let dir = TemporaryDirectory()
    try writeHand(dir, epochs: 3)
    try FileManager.default.removeItem(atPath: dir.file("hand/summary.csv"))
    try FileManager.default.createDirectory(atPath: dir.file("hand/summary.csv/x"), withIntermediateDirectories: true)
    let old = dir.read("hand/curves.csv")
    do { try writeHand(dir, epochs: 2); Issue.record("written") } catch let e as OutputError {
        #expect(e.path.hasSuffix("hand/summary.csv") && e.problem.contains("is a folder; move it away"), "\(e)")
    }
    #expect(dir.read("hand/curves.csv") == old && listing(dir.file("hand")) == handFiles)
}

/// Temporary names are fresh each time (64 random bits), carry the host and process id, and are
/// created only where nothing is: names of earlier versions (`.NAME.PID.tmp`) planted as links
/// to a victim change nothing in it, and a link at the result's own name is replaced, never
/// written through.
@Test func plantedLinksAreNeverWrittenThrough() throws {
    let dir = TemporaryDirectory()
    let names = (0..<1000).map { _ in OutputFiles.temporaryName(dir.file("hand/curves.csv")) }
    #expect(Set(names).count == 1000)
    #expect(names[0].contains("/.curves.csv.\(OutputFiles.host).\(getpid())-") && names[0].hasSuffix(".tmp"))
    let victim = dir.write("precious\n", to: "victim.txt")
    try FileManager.default.createDirectory(atPath: dir.file("hand"), withIntermediateDirectories: true)
    for name in handFiles {
        #expect(symlink(victim, dir.file("hand/.\(name).\(getpid()).tmp")) == 0)
    }
    #expect(symlink(victim, dir.file("hand/curves.csv")) == 0)
    try writeHand(dir, epochs: 2)
    #expect(dir.read("victim.txt") == "precious\n")
    var info = stat()
    #expect(lstat(dir.file("hand/curves.csv"), &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    #expect(dir.read("hand/curves.csv")!.hasPrefix("arm,seed,"))
    // The same through writeAtomically (point files, reports, plots) and the ZCA cache.
    #expect(symlink(victim, dir.file("report.md")) == 0)
    try OutputFiles.writeAtomically("report\n", to: dir.file("report.md"))
    #expect(dir.read("victim.txt") == "precious\n" && dir.read("report.md") == "report\n")
    #expect(symlink(victim, dir.file("zca.bin")) == 0 && symlink(victim, dir.file("zca.bin.\(getpid()).tmp")) == 0)
    #expect(Preprocessing.writeCache(dir.file("zca.bin"), mean: [1], matrix: [2]) == nil)
    #expect(dir.read("victim.txt") == "precious\n")
    #expect(Preprocessing.readCache(dir.file("zca.bin"), features: 1)?.matrix == [2])
    // Creating a temporary never opens what is there.
    let (temp, fd) = try OutputFiles.createTemporary(for: dir.file("x"))
    close(fd)
    #expect(unlink(temp) == 0 && symlink(victim, temp) == 0)
    #expect(open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644) == -1 && errno == EEXIST)
}

/// Temporaries of processes that are gone are removed, on this machine only; a live process's
/// (and another machine's, whose processes cannot be seen) stay. Under a results folder's lock,
/// the result files' temporaries are stale whoever left them.
@Test func onlyTheTemporariesOfProcessesThatAreGoneAreRemoved() throws {
    let dir = TemporaryDirectory()
    let gone = Process()
    gone.executableURL = URL(fileURLWithPath: "/bin/true")
    try gone.run()
    gone.waitUntilExit()
    let dead = gone.processIdentifier, host = OutputFiles.host
    let names = [
        ".a.point.\(host).\(dead)-1f.tmp",          // this machine, gone: removed
        ".b.point.\(dead).tmp",                      // an earlier version's name, gone: removed
        ".c.point.\(host).\(getppid())-2e.tmp",     // alive
        ".d.point.\(host).\(getpid())-3d.tmp",      // this process
        ".e.point.othermachine.\(dead)-4c.tmp",     // another machine
        "f.point", ".commit.\(host).\(dead)-5b.journal",
    ]
    for n in names { _ = dir.write("x", to: n) }
    OutputFiles.removeAbandonedTemporaries(in: dir.path)
    #expect(listing(dir.path) == names.dropFirst(2).sorted())
    // In a results folder, the temporaries of its result files go, whoever left them.
    try writeHand(dir, epochs: 2)
    _ = dir.write("x", to: "hand/.curves.csv.othermachine.77-aa.tmp")
    _ = dir.write("x", to: "hand/.report.md.othermachine.77-aa.tmp")
    try writeHand(dir, epochs: 3)
    #expect(listing(dir.file("hand")) == [".report.md.othermachine.77-aa.tmp"] + handFiles)
}

/// A ZCA cache write that fails (a full disk half-way) leaves no temporary behind, and says
/// why; a later write succeeds.
@Test func aFailedZCACacheWriteLeavesNothingBehind() throws {
    let dir = TemporaryDirectory()
    let mean = [Float](repeating: 0.5, count: 32), matrix = [Float](repeating: 0.25, count: 32 * 32)
    let problem = Faults.$current.withValue(Faults("write", step: 1, action: .fail)) {
        Preprocessing.writeCache(dir.file("cache/zca-x.bin"), mean: mean, matrix: matrix)
    }
    #expect(problem?.contains("No space left on device") == true, "\(String(describing: problem))")
    #expect(listing(dir.file("cache")).isEmpty)
    #expect(Preprocessing.writeCache(dir.file("cache/zca-x.bin"), mean: mean, matrix: matrix) == nil)
    #expect(listing(dir.file("cache")) == ["zca-x.bin"])
}
