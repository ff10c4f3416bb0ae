// Point files prove they are whole (issue 9, class 5): a file read back equals what was
// written, and every cut, every flipped byte and every edit of one is refused.
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

private func renderedPoints() throws -> [String] {
    let results = try run(handConfig)
    return results.enumerated().map { i, r in Points.render(r, index: i, total: results.count, fingerprint: "fp\(i)") }
}

private func read(_ text: String, _ dir: TemporaryDirectory) throws -> Points.StoredPoint {
    try Points.readPoint(dir.write(text, to: "p.point"))
}

@Test func pointFileReadsBackWhatWasWritten() throws {
    let dir = TemporaryDirectory()
    let results = try run(handConfig)
    for (i, r) in results.enumerated() {
        let p = try read(Points.render(r, index: i, total: 2, fingerprint: "fp"), dir)
        #expect(p.fingerprint == "fp" && p.status == r.status && p.rows == r.rows && p.timings == r.timings)
    }
}

/// Every prefix of a point file (cut short at any byte) and every file with one byte changed
/// is refused; so is a file with anything after its end line.
@Test func everyCutAndEveryChangedByteIsRefused() throws {
    let dir = TemporaryDirectory()
    for text in try renderedPoints() {
        let bytes = Array(text.utf8)
        for cut in 0..<bytes.count {
            #expect(throws: OutputError.self, "cut at \(cut)") { try read(String(decoding: bytes[..<cut], as: UTF8.self), dir) }
        }
        for position in 0..<bytes.count {
            var changed = bytes
            changed[position] = changed[position] == UInt8(ascii: "7") ? UInt8(ascii: "3") : UInt8(ascii: "7")
            #expect(throws: OutputError.self, "byte \(position) changed") { try read(String(decoding: changed, as: UTF8.self), dir) }
        }
        #expect(throws: OutputError.self) { try read(text + "sgd,1,4,4,0.1,,,\n", dir) }
    }
}

/// A file that is whole (its checksum recomputed after an edit) but says something no point
/// file says is refused too, with the reason.
@Test func wellSealedNonsenseIsRefusedWithItsReason() throws {
    let dir = TemporaryDirectory()
    let text = try renderedPoints()[0]
    func resealed(_ edit: (String) -> String) -> String {
        let body = edit(String(text[..<text.range(of: "# end ")!.lowerBound]))
        let bytes = Array(body.utf8)
        return body + "# end \(Checksum64.hex(bytes)) \(bytes.count)\n"
    }
    let cases: [(String, (String) -> String)] = [
        ("has status 'weird'", { $0.replacingOccurrences(of: "# status ok", with: "# status weird") }),
        ("not a known '#' line", { $0.replacingOccurrences(of: "# wall_seconds", with: "# wall_secs") }),
        ("repeats '# fingerprint'", { $0.replacingOccurrences(of: "# status ok\n", with: "# status ok\n# fingerprint x\n") }),
        ("header lines are incomplete", { $0.replacingOccurrences(of: "# status ok\n", with: "") }),
        ("where a number belongs", { $0.replacingOccurrences(of: ",0.125,", with: ",abc,") }),
    ]
    for (reason, edit) in cases {
        do {
            _ = try read(resealed(edit), dir)
            Issue.record("accepted: \(reason)")
        } catch let e as OutputError {
            #expect(e.problem.contains(reason) && e.problem.contains("damaged point file"), "\(e)")
        }
    }
    // The reseal itself is right: unedited, it reads.
    #expect(throws: Never.self) { try read(resealed { $0 }, dir) }
}
