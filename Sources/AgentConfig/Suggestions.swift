/// "Did you mean" for unknown keys: the closest known name by edit distance.
enum Suggestions {
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let target = Array(word.uppercased().utf8)
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(target, Array(candidate.uppercased().utf8))
            if d < (best?.1 ?? Int.max) { best = (candidate, d) }
        }
        guard let best else { return nil }
        // Allow roughly one edit per four characters, at least two.
        return best.1 <= max(2, target.count / 4) ? best.0 : nil
    }

    /// Levenshtein distance over bytes (keys are ASCII).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
