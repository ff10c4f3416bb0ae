// scripts/sweep.sbatch (README, Sweeps) without a cluster: `sbatch` and the binary replaced by
// stubs that record their arguments. TASKS and Slurm's numbers are checked to be plain numbers
// before any shell arithmetic (which would run a command hidden in them), and an array task's
// shard is its place in the array, so an array starting at 1 runs shard 0 too.
import Foundation
import TestSupport
import Testing

/// Runs the script with `arguments` and `environment`; the stubs log their arguments to
/// calls.log. Returns the output and the log.
func sweepScript(_ arguments: [String], environment: [String: String] = [:]) throws
    -> ((status: Int32, stdout: String, stderr: String), String, TemporaryDirectory) {
    let dir = TemporaryDirectory()
    let stub = "#!/bin/bash\necho \"$(basename \"$0\") $*\" >> \"\(dir.file("calls.log"))\"\necho 4107\n"
    for name in ["bin/sbatch", "bin/adam-bench"] {
        _ = dir.write(stub, to: name)
        chmod(dir.file(name), 0o755)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [projectRoot.appendingPathComponent("scripts/sweep.sbatch").path] + arguments
    var env = ["PATH": dir.file("bin") + ":/usr/bin:/bin", "HOME": dir.path]
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ((process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)),
            dir.read("calls.log") ?? "", dir)
}

@Test(arguments: ["a[$(touch pwned)]", "PATH[$(touch pwned)]", "0", "-3", "08", "1e3", "2+2", "1000000", " 4"])
func sweepScriptRefusesATaskCountThatIsNotAPlainNumber(_ tasks: String) throws {
    let (r, calls, dir) = try sweepScript(["c.json", "out", tasks])
    #expect(r.status == 2 && r.stderr.contains("sweep.sbatch: TASKS is '\(tasks)'"), "\(r.status) \(r.stderr)")
    #expect(calls.isEmpty && !FileManager.default.fileExists(atPath: dir.file("pwned")), "\(calls)")
}

@Test func sweepScriptSubmitsTheArrayAndTheCollectJob() throws {
    let (r, calls, _) = try sweepScript(["c.json", "out", "4"])
    #expect(r.status == 0 && r.stdout == "array job 4107 (4 tasks), collect job 4107 (after the array succeeds)\n", "\(r.stderr)")
    let lines = calls.split(separator: "\n")
    #expect(lines.count == 2 && lines[0].contains("sbatch --parsable --array=0-3 ") && lines[1].contains("--dependency=afterok:4107"), "\(calls)")
}

/// Each task's shard for arrays that start at 0, at 1, and step by 2; lists that are not one
/// range, and Slurm numbers that are not numbers, are refused before anything runs.
@Test(arguments: [
    (["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_COUNT": "4"], "--shard 0/4"),
    (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8", "SLURM_ARRAY_TASK_COUNT": "8"], "--shard 0/8"),
    (["SLURM_ARRAY_TASK_ID": "8", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8", "SLURM_ARRAY_TASK_COUNT": "8"], "--shard 7/8"),
    (["SLURM_ARRAY_TASK_ID": "10", "SLURM_ARRAY_TASK_MIN": "6", "SLURM_ARRAY_TASK_MAX": "12", "SLURM_ARRAY_TASK_STEP": "2",
      "SLURM_ARRAY_TASK_COUNT": "4"], "--shard 2/4"),
    (["SLURM_ARRAY_TASK_ID": "2"], "--shard 2/3"),  // an old Slurm without the array's size: the third argument
    (["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8", "SLURM_ARRAY_TASK_COUNT": "3"], "one range"),
    (["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8", "SLURM_ARRAY_TASK_COUNT": "8"], "one range"),
    (["SLURM_ARRAY_TASK_ID": "PATH[$(touch pwned)]", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID is 'PATH[$(touch pwned)]'"),
    (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "x[$(touch pwned)]"], "the number of tasks is 'x[$(touch pwned)]'"),
])
func sweepScriptRunsTheShardOfTheTasksPlaceInTheArray(_ c: ([String: String], String)) throws {
    let (r, calls, dir) = try sweepScript(["c.json", "out", "3"], environment: c.0)
    #expect(!FileManager.default.fileExists(atPath: dir.file("pwned")))
    if c.1.hasPrefix("--shard") {
        #expect(r.status == 0 && calls == "adam-bench sweep c.json \(c.1) --out out --threads 1 --quiet\n", "\(r.stderr) \(calls)")
    } else {
        #expect(r.status == 2 && r.stderr.contains(c.1) && calls.isEmpty, "\(r.status) \(r.stderr) \(calls)")
    }
}
