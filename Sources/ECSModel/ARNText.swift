/// Fields of an ARN string (`arn:partition:service:region:account:resource`), for callers that
/// only need to read one.
public enum ARNText {
    /// The region field; nil for something that is not an ARN or has an empty region (IAM).
    public static func region(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count > 3, parts[0] == "arn", !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }
}
