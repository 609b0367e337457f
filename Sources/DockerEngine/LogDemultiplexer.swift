/// Which stream a log chunk came from.
public enum LogStream: UInt8, Sendable, Hashable {
    case stdin = 0, stdout = 1, stderr = 2
}

/// A piece of container output as Docker framed it.
public struct LogChunk: Sendable, Hashable {
    public var stream: LogStream
    public var bytes: [UInt8]
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Decodes Docker's multiplexed stream (containers without a TTY): frames of an 8-byte header
/// `[stream, 0, 0, 0, size(4, big-endian)]` followed by `size` bytes, split anywhere across
/// chunks. A container with a TTY has a raw stream instead (all stdout).
struct LogDemultiplexer {
    private var buffer: [UInt8] = []
    let raw: Bool

    init(raw: Bool) {
        self.raw = raw
    }

    enum Failure: Error, CustomStringConvertible {
        case badHeader([UInt8])
        var description: String {
            if case .badHeader(let h) = self { return "bad stream frame header \(h)" }
            return ""
        }
    }

    mutating func push(_ bytes: some Sequence<UInt8>) throws(Failure) -> [LogChunk] {
        if raw {
            let chunk = Array(bytes)
            return chunk.isEmpty ? [] : [LogChunk(stream: .stdout, bytes: chunk)]
        }
        buffer.append(contentsOf: bytes)
        var chunks: [LogChunk] = []
        var offset = 0
        while buffer.count - offset >= 8 {
            let header = Array(buffer[offset..<offset + 8])
            guard let stream = LogStream(rawValue: header[0]), header[1] == 0, header[2] == 0, header[3] == 0 else {
                throw .badHeader(header)
            }
            let size = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            guard buffer.count - offset - 8 >= size else { break }
            chunks.append(LogChunk(stream: stream, bytes: Array(buffer[offset + 8..<offset + 8 + size])))
            offset += 8 + size
        }
        buffer.removeFirst(offset)
        return chunks
    }

    /// Bytes left over when the stream ended (a truncated frame).
    var leftover: Int { buffer.count }
}
