// Files that replace their old versions together, or not at all: a results folder's curves.csv,
// summary.csv, timings.csv and manifest.json must never be half from one run and half from
// another. Each file is written in full to a fresh temporary name and flushed (`stage`); then
// `commit` keeps a hard link to each old file, writes a journal of the renames, renames every
// file into place and removes the journal and the old links. A rename that fails puts the old
// files back; a process killed after the journal is written leaves it for the next writer of
// the folder, which finishes the renames (`finishInterruptedCommits`), and readers refuse the
// folder until then.
import Datasets
import Foundation

extension OutputFiles {
    public struct FileSet: ~Copyable {
        private var pending: [(temp: String, path: String)] = []
        public init() {}

        public mutating func stage(_ text: String, to path: String) throws { try stage(Array(text.utf8), to: path) }

        public mutating func stage(_ bytes: [UInt8], to path: String) throws {
            let created: (name: String, fd: Int32)
            do { created = try createTemporary(for: path) } catch {
                abandon()
                throw error
            }
            pending.append((created.name, path))
            let ok = writeAll(bytes, to: created.fd)
            let why = String(cString: strerror(errno))
            close(created.fd)
            guard ok else {
                abandon()
                throw OutputError(path: path, problem: "cannot be written (\(why); is the disk full?)")
            }
        }

        /// Moves every staged file into place, in the order staged. Several files must share a
        /// folder, whose lock the caller holds (`ResultsFolder.write`).
        public mutating func commit() throws {
            defer { pending = [] }
            guard pending.count > 1 else {
                guard let (temp, path) = pending.first else { return }
                guard rename(temp, path) == 0 else {
                    let why = String(cString: strerror(errno))
                    unlink(temp)
                    throw OutputError(path: path, problem: "cannot be moved into place (\(why))")
                }
                syncFolder((path as NSString).deletingLastPathComponent)
                return
            }
            let folder = (pending[0].path as NSString).deletingLastPathComponent
            precondition(pending.allSatisfy { ($0.path as NSString).deletingLastPathComponent == folder }, "a file set spans folders")
            // The old files, kept under fresh names to put back if a rename fails.
            var backups: [String?] = []
            func giveUp(_ path: String, _ problem: String) -> OutputError {
                for case let b? in backups { unlink(b) }
                for (temp, _) in pending { unlink(temp) }
                return OutputError(path: path, problem: problem)
            }
            for (_, path) in pending {
                var info = stat()
                guard lstat(path, &info) == 0 else { backups.append(nil); continue }
                guard info.st_mode & S_IFMT != S_IFDIR else {
                    throw giveUp(path, "is a folder; move it away, then run again (the old results are kept)")
                }
                let backup = temporaryName(path)
                guard !Faults.hit("commit"), link(path, backup) == 0 || copy(path, to: backup) else {
                    let why = String(cString: strerror(errno))
                    throw giveUp(path, "cannot be replaced (\(why)); the old results are kept")
                }
                backups.append(backup)
            }
            let journal = Self.journalPath(in: folder)
            let steps: [JournalStep] = pending.map { ("rename", [Self.name($0.temp), Self.name($0.path)]) }
                + backups.compactMap { $0 }.map { ("remove", [Self.name($0)]) }
            do { try writeJournal(steps, kind: "commit", to: journal, fault: "commit") } catch let e as OutputError {
                throw giveUp(journal, e.problem + "; the old results are kept")
            }
            for (i, (temp, path)) in pending.enumerated() {
                guard !Faults.hit("commit"), rename(temp, path) == 0 else {
                    let why = String(cString: strerror(errno))
                    // Back to the old set: the files already renamed get their old versions again.
                    var restored = true
                    for j in 0..<i {
                        if let b = backups[j] { restored = rename(b, pending[j].path) == 0 && restored } else { unlink(pending[j].path) }
                    }
                    guard restored else {
                        throw OutputError(path: path, problem: "cannot be moved into place (\(why)), and the old files cannot be put back; the next run or collect of this folder finishes the set (\(journal))")
                    }
                    for b in backups[i...].compactMap({ $0 }) { unlink(b) }
                    for (t, _) in pending[i...] { unlink(t) }
                    unlink(journal)
                    syncFolder(folder)
                    throw OutputError(path: path, problem: "cannot be moved into place (\(why)); the old results are kept")
                }
            }
            syncFolder(folder)
            for case let b? in backups {
                _ = Faults.hit("commit")
                unlink(b)
            }
            _ = Faults.hit("commit")
            unlink(journal)
            syncFolder(folder)
        }

        /// Removes what was staged; the old files stay.
        public mutating func abandon() {
            for (temp, _) in pending { unlink(temp) }
            pending = []
        }

        deinit { for (temp, _) in pending { unlink(temp) } }

        static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

        /// `.commit.HOST.PID-RANDOM.journal` in the folder.
        static func journalPath(in folder: String) -> String {
            let name = temporaryName((folder as NSString).appendingPathComponent("commit"))
            return String(name.dropLast(4)) + ".journal"
        }

        static func isJournal(_ name: String) -> Bool { name.hasPrefix(".commit.") && name.hasSuffix(".journal") }
    }

    // MARK: - Journals: one line per step ("rename TEMP NAME", "remove NAME"; names within one
    // folder), after a first line naming the kind, and an end line with the Checksum64 and length
    // of the lines before it, as a point file ends. Written whole and flushed before the first
    // step it lists; one that is not whole was never acted on.

    package typealias JournalStep = (verb: String, names: [String])

    /// Writes a journal at `path`, which must not exist yet, and flushes it and its folder.
    package static func writeJournal(_ steps: [JournalStep], kind: String, to path: String, fault: String) throws {
        let body = Array(("# adam-bench \(kind)\n" + steps.map { ([$0.verb] + $0.names).joined(separator: " ") + "\n" }.joined()).utf8)
        let bytes = body + Array("# end \(Checksum64.hex(body)) \(body.count)\n".utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: path, problem: "cannot be written (\(String(cString: strerror(errno))))") }
        let ok = !Faults.hit(fault) && writeAll(bytes, to: fd)
        let why = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(path)
            throw OutputError(path: path, problem: "cannot be written (\(why))")
        }
        syncFolder((path as NSString).deletingLastPathComponent)
    }

    /// The steps of a whole journal of `kind`, or nil when it is missing or not whole.
    package static func readJournal(_ path: String, kind: String) -> [JournalStep]? {
        guard let bytes = try? FileInput.read(path, limit: 16 << 20), bytes.last == 0x0A,
              let start = bytes.dropLast().lastIndex(of: 0x0A).map({ $0 + 1 }),
              let end = String(validating: bytes[start..<(bytes.count - 1)], as: UTF8.self) else { return nil }
        let body = Array(bytes[..<start])
        guard end == "# end \(Checksum64.hex(body)) \(body.count)", let text = String(validating: body, as: UTF8.self) else { return nil }
        var lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard lines.first == ["#", "adam-bench", kind] else { return nil }
        lines.removeFirst()
        var steps: [JournalStep] = []
        for words in lines {
            guard let verb = words.first, (verb == "rename" && words.count == 3) || (verb == "remove" && words.count == 2),
                  words.dropFirst().allSatisfy({ !$0.contains("/") && $0 != "." && $0 != ".." }) else { return nil }
            steps.append((verb, Array(words.dropFirst())))
        }
        return steps
    }

    /// Copies a regular file (where hard links are not supported) to a new file; false on failure.
    package static func copy(_ path: String, to target: String) -> Bool {
        guard let bytes = try? FileInput.read(path, limit: Int.max) else { return false }
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        let ok = writeAll(bytes, to: fd)
        close(fd)
        if !ok { unlink(target) }
        return ok
    }

    /// Finishes the commits in `folder` that a killed process left half done: every file its
    /// journal names is renamed into place (all were written whole before the journal), so the
    /// folder holds the new set whole. A journal that is not whole (never the case for one this
    /// program wrote) is removed: the set it began is then replaced whole by the caller's.
    /// The caller holds the folder's lock, so no commit in it is still running.
    package static func finishInterruptedCommits(in folder: String) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names.sorted() where FileSet.isJournal(name) {
            let journal = (folder as NSString).appendingPathComponent(name)
            func at(_ n: String) -> String { (folder as NSString).appendingPathComponent(n) }
            for step in readJournal(journal, kind: "commit") ?? [] {
                var info = stat()
                if step.verb == "rename", lstat(at(step.names[0]), &info) == 0, rename(at(step.names[0]), at(step.names[1])) != 0 {
                    throw OutputError(path: at(step.names[1]), problem: "cannot be moved into place to finish the results an interrupted process was writing (\(String(cString: strerror(errno)))); check the folder's permissions (\(journal))")
                }
            }
            syncFolder(folder)
            for step in readJournal(journal, kind: "commit") ?? [] where step.verb == "remove" { unlink(at(step.names[0])) }
            unlink(journal)
            syncFolder(folder)
        }
    }

    /// Throws when `folder` holds results a killed process was replacing and nobody has finished
    /// yet, so that no reader takes half of one set and half of another.
    package static func checkNoInterruptedCommit(in folder: String) throws {
        guard let name = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().first(where: FileSet.isJournal) else { return }
        throw OutputError(path: (folder as NSString).appendingPathComponent(name),
                          problem: "shows that a process was stopped while replacing the results in \(folder); `adam-bench collect` of the run (or the run again) finishes them")
    }
}
