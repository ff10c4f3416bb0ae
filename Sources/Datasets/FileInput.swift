// Reading a whole file the user named, with a size cap and a precise reason when it fails.
// Every file that enters the program (configs, data, parameter files, results) comes through
// here, so a directory, a device such as /dev/zero, a FIFO or a symlink loop is named for what
// it is, and nothing reads without bound.
import Foundation

public enum FileInput {
    /// Why a file could not be read; `message` is the phrase that follows the file's name.
    public enum Failure: Error, Equatable {
        case missing
        case danglingSymlink
        case symlinkLoop
        case directory
        case notRegular(String)
        case permission
        case tooLarge(bytes: Int, limit: Int)
        case other(String)

        public var message: String {
            switch self {
            case .missing: return "does not exist"
            case .danglingSymlink: return "is a symbolic link to a file that does not exist"
            case .symlinkLoop: return "is a loop of symbolic links (too many levels)"
            case .directory: return "is a directory, not a file"
            case .notRegular(let kind): return "is \(kind), not a regular file"
            case .permission: return "cannot be read: permission denied (check its permissions)"
            case .tooLarge(let bytes, let limit):
                return "is \(bytes) bytes, more than the \(limit) bytes a file of this kind may have"
            case .other(let why): return "cannot be read (\(why))"
            }
        }
    }

    /// The whole content of the regular file at `path`, at most `limit` bytes.
    public static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            switch code {
            case ELOOP: throw .symlinkLoop
            case ENOENT:
                var link = stat()
                throw lstat(path, &link) == 0 ? .danglingSymlink : .missing
            case EACCES: throw .permission
            case ENOTDIR: throw .missing
            default: throw .other(String(cString: strerror(code)))
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .directory
        case S_IFCHR: throw .notRegular("a character device")
        case S_IFBLK: throw .notRegular("a block device")
        case S_IFIFO: throw .notRegular("a named pipe (FIFO)")
        case S_IFSOCK: throw .notRegular("a socket")
        default: throw .notRegular("a special file")
        }
        let size = Int(info.st_size)
        guard size <= limit else { throw .tooLarge(bytes: size, limit: limit) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw code == EACCES ? .permission : .other(String(cString: strerror(code)))
        }
        defer { close(fd) }
        // Read what stat reported, and one byte more to see a file that grew meanwhile.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { break }
                filled += n
            }
            return nil
        }
        if let failure { throw .other(String(cString: strerror(failure))) }
        guard filled <= size else { throw .other("it grew while being read") }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Whether `path` names something (a file, directory or even a dangling link).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

extension FileInput {
    /// Limits by kind of file: far above any real file of the kind, far below the machine.
    public static let configLimit = 16 << 20
    public static let dataLimit = 1 << 34
    public static let resultLimit = 1 << 31
}
