// NumPy .npy files: the bytes numpy.save writes (built here by hand, header and all), every
// dtype and order adam-bench reads, and every damage it must refuse with the file's name.
import Datasets
import Foundation
import Testing

/// The bytes `numpy.save` writes for a C-order array: magic, version, header padded with spaces
/// to a multiple of 64 and ended by a newline, then the raw values.
func npyBytes(descr: String, shape: String, fortran: Bool = false, major: UInt8 = 1, payload: [UInt8]) -> [UInt8] {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    let prefix = major == 1 ? 10 : 12
    header += String(repeating: " ", count: (64 - (prefix + header.utf8.count + 1) % 64) % 64) + "\n"
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    let n = header.utf8.count
    out += major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
    return out + Array(header.utf8) + payload
}

func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

@Test func readsFloat32AndFloat64InEitherByteOrder() throws {
    let values: [Float] = [1, -2.5, 0.1, 3e-8, 65504, -0.0]
    let f4 = littleEndian(values.map(\.bitPattern))
    let f8 = littleEndian(values.map { Double($0).bitPattern })
    let f4big = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.bigEndian) { Array($0) } }
    for (descr, shape, payload, major) in [("<f4", "(6,)", f4, UInt8(1)), ("<f8", "(2, 3)", f8, 1), (">f4", "(3, 2)", f4big, 1),
                                           ("<f4", "(1, 2, 3)", f4, 2), ("<f4", "(6,)", f4, 3)] {
        let a = try NPY.parse(npyBytes(descr: descr, shape: shape, major: major, payload: payload), path: "x.npy")
        #expect(a.values.map(\.bitPattern) == values.map(\.bitPattern), "\(descr) \(shape)")
        #expect(a.values.count == 6)
    }
    #expect(try NPY.parse(npyBytes(descr: "<f4", shape: "(2, 3)", payload: f4), path: "x").shape == [2, 3])
    #expect(try NPY.parse(npyBytes(descr: "<f4", shape: "()", payload: Array(f4.prefix(4))), path: "x").values == [1])
}

@Test func encodedVectorsReadBackAndLookLikeNumpys() throws {
    let values: [Float] = (0..<100).map { Float($0) * 0.37 - 5 }
    let bytes = values.withUnsafeBufferPointer { NPY.encode($0) }
    #expect((bytes.count - 4 * values.count) % 64 == 0)  // header padded as numpy pads it
    #expect(bytes == npyBytes(descr: "<f4", shape: "(100,)", payload: littleEndian(values.map(\.bitPattern))))
    let back = try NPY.parse(bytes, path: "y.npy")
    #expect(back.values == values && back.shape == [100] && back.descr == "<f4")
}

@Test(arguments: [
    ("not npy", Array("PK\u{3}\u{4}whatever".utf8), "is not a NumPy .npy file"),
    ("int dtype", npyBytes(descr: "<i4", shape: "(2,)", payload: [0, 0, 0, 0, 0, 0, 0, 0]), "has dtype '<i4'"),
    ("float16", npyBytes(descr: "<f2", shape: "(2,)", payload: [0, 0, 0, 0]), "has dtype '<f2'"),
    ("fortran", npyBytes(descr: "<f4", shape: "(2, 2)", fortran: true, payload: [UInt8](repeating: 0, count: 16)), "Fortran-order"),
    ("truncated", npyBytes(descr: "<f4", shape: "(3,)", payload: [UInt8](repeating: 0, count: 10)), "is truncated: shape [3] needs 12 data bytes, the file has 10"),
    ("extra", npyBytes(descr: "<f4", shape: "(1,)", payload: [UInt8](repeating: 0, count: 8)), "has 4 bytes after the 4 data bytes"),
    ("cut header", Array(npyBytes(descr: "<f4", shape: "(1,)", payload: []).prefix(30)), "cut short inside its .npy header"),
    ("version 9", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0], "version 9.0"),
    ("no shape", npyBytes(descr: "<f4", shape: "[1]", payload: [0, 0, 0, 0]), "readable 'shape'"),
    ("huge shape", npyBytes(descr: "<f4", shape: "(9223372036854775807, 4)", payload: []), "too large"),
])
func damagedOrForeignFilesAreRefusedByName(_ c: (String, [UInt8], String)) {
    do {
        _ = try NPY.parse(c.1, path: "init.npy")
        Issue.record("\(c.0): accepted")
    } catch let e as DatasetError {
        #expect(e.file == "init.npy" && e.description.contains(c.2), "\(c.0): \(e)")
    } catch {
        Issue.record("\(c.0): \(error)")
    }
}

@Test func aMissingFileSaysSo() {
    #expect(throws: DatasetError.self) { try NPY.read("/nonexistent/params.npy") }
}
