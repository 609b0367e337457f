/// Go's `time.ParseDuration` and `Duration.String()`, because ecs.config values are written in
/// Go syntax (`30s`, `1h30m`, `300ms`) and operators compare our output with the Go agent's.
public enum GoDuration {
    private static let units: [(String, Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// Parses `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` or the bare `0`. Returns nil where Go
    /// returns an error (no unit, unknown unit such as `d`, overflow, empty).
    public static func parse(_ text: String) -> Duration? {
        var s = Substring(text)
        var negative = false
        if let first = s.first, first == "-" || first == "+" {
            negative = first == "-"
            s = s.dropFirst()
        }
        if s == "0" { return .zero }
        if s.isEmpty { return nil }
        var totalNanos: Double = 0
        var exact: Int64 = 0
        var exactValid = true
        while !s.isEmpty {
            let intPart = s.prefix(while: { $0.isASCII && $0.isNumber })
            s = s.dropFirst(intPart.count)
            var fracPart: Substring = ""
            if s.first == "." {
                s = s.dropFirst()
                fracPart = s.prefix(while: { $0.isASCII && $0.isNumber })
                s = s.dropFirst(fracPart.count)
            }
            if intPart.isEmpty && fracPart.isEmpty { return nil }
            let unitText = s.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            guard !unitText.isEmpty, let unit = units.first(where: { $0.0 == unitText })?.1 else { return nil }
            s = s.dropFirst(unitText.count)
            let whole = Double(intPart.isEmpty ? "0" : String(intPart)) ?? .infinity
            let frac = fracPart.isEmpty ? 0 : (Double("0." + fracPart) ?? 0)
            totalNanos += (whole + frac) * Double(unit)
            if fracPart.isEmpty, let w = Int64(intPart.isEmpty ? "0" : String(intPart)) {
                let (product, o1) = w.multipliedReportingOverflow(by: unit)
                let (sum, o2) = exact.addingReportingOverflow(product)
                if o1 || o2 { exactValid = false } else { exact = sum }
            } else {
                exactValid = false
            }
            if totalNanos > Double(Int64.max) { return nil }
        }
        let nanos = exactValid ? exact : Int64(totalNanos)
        return .nanoseconds(negative ? -nanos : nanos)
    }

    /// Go's formatting: `3h0m0s`, `1m30s`, `1.5s`, `300ms`, `0s`.
    public static func format(_ duration: Duration) -> String {
        var nanos = duration.nanosecondsClamped
        if nanos == 0 { return "0s" }
        let negative = nanos < 0
        if negative { nanos = -nanos }
        var out: String
        if nanos < 1_000_000_000 {
            // Sub-second: the largest unit that keeps the integer part non-zero.
            let (unit, name): (Int64, String) =
                nanos < 1_000 ? (1, "ns") : nanos < 1_000_000 ? (1_000, "µs") : (1_000_000, "ms")
            out = fixed(nanos, unit) + name
        } else {
            let hours = nanos / 3_600_000_000_000
            let minutes = (nanos / 60_000_000_000) % 60
            let secondsNanos = nanos % 60_000_000_000
            out = fixed(secondsNanos, 1_000_000_000) + "s"
            if hours > 0 || minutes > 0 { out = "\(minutes)m" + out }
            if hours > 0 { out = "\(hours)h" + out }
        }
        return negative ? "-" + out : out
    }

    private static func fixed(_ value: Int64, _ unit: Int64) -> String {
        let whole = value / unit
        var frac = value % unit
        guard frac != 0 else { return "\(whole)" }
        var digits = String(unit).count - 1
        var fracText = String(frac)
        fracText = String(repeating: "0", count: digits - fracText.count) + fracText
        while fracText.hasSuffix("0") { fracText.removeLast(); digits -= 1; frac /= 10 }
        return "\(whole).\(fracText)"
    }
}

extension Duration {
    /// Whole nanoseconds, clamped into Int64 (Go's time.Duration range).
    public var nanosecondsClamped: Int64 {
        let (seconds, attos) = components
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, o2) = fromSeconds.addingReportingOverflow(attos / 1_000_000_000)
        return o2 ? (seconds < 0 ? .min : .max) : sum
    }
}
