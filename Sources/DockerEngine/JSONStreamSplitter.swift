/// Splits a byte stream of concatenated JSON objects (`{...}\n{...}` or `{...}{...}`) into
/// one document at a time, whatever the chunk boundaries. Docker streams events, stats and
/// pull progress this way.
struct JSONStreamSplitter {
    private var pending: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var start: Int?
    private var scanned = 0
    let maximumDocument: Int

    init(maximumDocument: Int) {
        self.maximumDocument = maximumDocument
    }

    enum Failure: Error { case documentTooLarge(Int) }

    /// Adds bytes and returns every document completed by them.
    mutating func push(_ bytes: some Sequence<UInt8>) throws(Failure) -> [[UInt8]] {
        pending.append(contentsOf: bytes)
        var documents: [[UInt8]] = []
        var i = scanned
        while i < pending.count {
            let b = pending[i]
            if inString {
                if escaped { escaped = false }
                else if b == UInt8(ascii: "\\") { escaped = true }
                else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                if depth == 0 { start = i }
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0, let s = start {
                    documents.append(Array(pending[s...i]))
                    start = nil
                }
                if depth < 0 { depth = 0 }
            }
            i += 1
        }
        // Drop what is consumed; keep an unfinished document.
        if let s = start {
            pending.removeFirst(s)
            start = 0
            scanned = pending.count
            if pending.count > maximumDocument { throw .documentTooLarge(maximumDocument) }
        } else {
            pending.removeAll(keepingCapacity: true)
            scanned = 0
        }
        return documents
    }
}
