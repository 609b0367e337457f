/// UTC calendar arithmetic without Foundation's Calendar (Howard Hinnant's civil algorithms),
/// shared by SigV4 dates, RFC 3339 parsing and the endpoints' Go-style timestamps.
public enum CivilTime {
    /// (year, month, day) of a day number counted from 1970-01-01.
    public static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The day number (from 1970-01-01) of a proleptic Gregorian date.
    public static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Go's `time.RFC3339Nano` in UTC: `2024-05-01T10:00:02.5Z`, fraction trimmed of trailing
    /// zeros (none when whole). `nanoseconds` is added to `seconds` (both from the Unix epoch).
    public static func rfc3339Nano(seconds: Int64, nanoseconds: Int64 = 0) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        var text = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if nanoseconds > 0 {
            var fraction = pad(nanoseconds, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// The same from seconds as a Double (what the engine records keep), rounded to the
    /// microsecond: a Double near 1.7e9 holds no more, and finer digits would be noise.
    public static func rfc3339Nano(_ seconds: Double) -> String {
        let micros = Int64((seconds * 1_000_000).rounded())
        let whole = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        return rfc3339Nano(seconds: whole, nanoseconds: (micros - whole * 1_000_000) * 1000)
    }

    /// An HTTP date (RFC 9110 IMF-fixdate, `Thu, 03 Dec 2026 08:19:32 GMT`) as seconds since 1970.
    public static func httpDate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int64(parts[1]), let year = Int64(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let month = months.firstIndex(of: String(parts[2])) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard clock.count == 3, (1...31).contains(day), clock[0] < 24, clock[1] < 60, clock[2] < 61 else { return nil }
        return daysFromCivil(year, Int64(month + 1), day) * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
    }

    /// Go's zero `time.Time`, which the reference prints for unset non-omitted times.
    public static let zeroTime = "0001-01-01T00:00:00Z"
}
