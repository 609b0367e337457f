import Foundation

/// Collects a child process's stdout and stderr (one pipe) as text while it runs.
public final class OutputCapture: @unchecked Sendable {
    public let pipe = Pipe()
    private let lock = NSLock()
    private var text = ""

    public init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            // Empty data is end of file: stop, or the handler is called again and again.
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            guard let self else { return }
            self.lock.withLock { self.text += String(decoding: data, as: UTF8.self) }
        }
    }

    public var output: String { lock.withLock { text } }

    /// Connects the pipe to `process`'s stdout and stderr.
    public func attach(to process: Process) {
        process.standardOutput = pipe
        process.standardError = pipe
    }

    public func stop() { pipe.fileHandleForReading.readabilityHandler = nil }
}
