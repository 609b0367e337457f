#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small files read and written with plain POSIX calls: no Foundation, a clear reason on
/// failure. Shared by configuration, credentials files and the state store's identity backup.
public enum PosixFile {
    public enum ReadResult: Sendable, Equatable {
        case contents(String)
        case missing
        case unreadable(String)

        public var text: String? { if case .contents(let t) = self { t } else { nil } }
    }

    /// Reads `path` whole; files larger than `limit` bytes are refused.
    public static func read(_ path: String, limit: Int = 4 << 20) -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            return e == ENOENT || e == ENOTDIR ? .missing : .unreadable(String(cString: strerror(e)))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > limit { return .unreadable("larger than \(limit >> 20) MiB") }
        }
        return .contents(String(decoding: bytes, as: UTF8.self))
    }

    /// Writes `text` to `path` through a temporary file, fsync and rename: a reader sees the old
    /// file or the new one, never half of it.
    public static func atomicWrite(_ path: String, _ text: String) throws(PosixFileError) {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else { throw PosixFileError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        fflush(file)
        fsync(fileno(file))
        fclose(file)
        guard written == bytes.count, rename(temporary, path) == 0 else { throw PosixFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Appends `text` to `path` (created with mode 0600 if missing) in one write(2), so lines
    /// from concurrent callers never interleave within a line.
    public static func append(_ path: String, _ text: String) throws(PosixFileError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PosixFileError("cannot append to \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw PosixFileError("cannot append to \(path): \(String(cString: strerror(errno)))") }
    }

    /// The names in a directory (without `.` and `..`); nil when it cannot be read.
    public static func entries(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `rm -rf`: a missing path is not an error; symbolic links are removed, never followed.
    public static func removeTree(_ path: String) throws(PosixFileError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw PosixFileError("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            guard let names = entries(path) else { throw PosixFileError("cannot read \(path): \(String(cString: strerror(errno)))") }
            for name in names { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw PosixFileError("cannot remove \(path): \(String(cString: strerror(errno)))") }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw PosixFileError("cannot remove \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// `mkdir -p` with mode 0700 for the directories it creates.
    public static func makeDirectory(_ path: String) throws(PosixFileError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o700) != 0 && errno != EEXIST { throw PosixFileError("cannot create \(built): \(String(cString: strerror(errno)))") }
        }
    }
}

public struct PosixFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
