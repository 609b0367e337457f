import Crypto
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Checks SigV4-signed requests the way AWS does, answering with AWS's error types.
public struct SigV4Verifier: Sendable {
    /// Why a request was refused; `awsErrorType` and `message` are what AWS would answer.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingAuthentication
        case incompleteSignature(String)
        case unknownAccessKey(String)
        case invalidToken
        case signatureMismatch
        case expired(String)
        case wrongService(String)

        public var awsErrorType: String {
            switch self {
            case .missingAuthentication: "MissingAuthenticationTokenException"
            case .incompleteSignature, .wrongService: "IncompleteSignatureException"
            case .unknownAccessKey, .invalidToken: "UnrecognizedClientException"
            case .signatureMismatch, .expired: "InvalidSignatureException"
            }
        }

        public var message: String {
            switch self {
            case .missingAuthentication: "Missing Authentication Token"
            case .incompleteSignature(let what): "Authorization header requires \(what)."
            case .unknownAccessKey: "The security token included in the request is invalid."
            case .invalidToken: "The security token included in the request is invalid."
            case .signatureMismatch:
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
            case .expired(let text): "Signature expired: \(text)"
            case .wrongService(let service): "Credential should be scoped to correct service: '\(service)'."
            }
        }

        public var description: String { "\(awsErrorType): \(message)" }
    }

    /// Who signed a request that verified.
    public struct Identity: Sendable, Equatable {
        public var accessKeyId: String
        public var region: String
    }

    public let service: String
    public let maxSkew: Duration
    let lookup: @Sendable (String) -> AWSCredentials?

    public init(service: String, maxSkew: Duration = .seconds(900), lookup: @escaping @Sendable (String) -> AWSCredentials?) {
        self.service = service
        self.maxSkew = maxSkew
        self.lookup = lookup
    }

    public func verify(_ request: SigV4.Request, now: Date = Date()) -> Result<Identity, Failure> {
        guard let authorization = request.header("authorization") else { return .failure(.missingAuthentication) }
        guard authorization.hasPrefix(SigV4.algorithm + " ") else {
            return .failure(.incompleteSignature("a valid algorithm (\(SigV4.algorithm))"))
        }
        var fields: [String: String] = [:]
        for part in authorization.dropFirst(SigV4.algorithm.count + 1).split(separator: ",") {
            let kv = part.trimmingSpaces().split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let credential = fields["Credential"] else { return .failure(.incompleteSignature("'Credential' parameter")) }
        guard let signedHeadersText = fields["SignedHeaders"] else { return .failure(.incompleteSignature("'SignedHeaders' parameter")) }
        guard let provided = fields["Signature"] else { return .failure(.incompleteSignature("'Signature' parameter")) }
        let scopeParts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scopeParts.count == 5, scopeParts[4] == "aws4_request" else {
            return .failure(.incompleteSignature("a Credential of the form <key>/<date>/<region>/<service>/aws4_request"))
        }
        guard scopeParts[3] == service else { return .failure(.wrongService(service)) }
        guard let amzDate = request.header("x-amz-date"), let signedAt = SigV4.parseAmzDate(amzDate) else {
            return .failure(.incompleteSignature("a valid X-Amz-Date header (yyyyMMddTHHmmssZ)"))
        }
        guard amzDate.hasPrefix(scopeParts[1]) else {
            return .failure(.incompleteSignature("a Credential date matching X-Amz-Date"))
        }
        let signedHeaders = signedHeadersText.split(separator: ";").map(String.init)
        guard signedHeaders.contains("host") else { return .failure(.incompleteSignature("the host header to be signed")) }
        let skew = Double(maxSkew.components.seconds)
        if abs(signedAt.timeIntervalSince(now)) > skew {
            return .failure(.expired("\(amzDate) is outside the allowed skew of \(Int(skew)) s of \(SigV4.amzDateFormat(now))"))
        }
        guard let credentials = lookup(scopeParts[0]) else { return .failure(.unknownAccessKey(scopeParts[0])) }
        if let token = credentials.sessionToken, request.header("x-amz-security-token") != token {
            return .failure(.invalidToken)
        }
        let scope = SigV4.Scope(date: scopeParts[1], region: scopeParts[2], service: scopeParts[3])
        let canonical = SigV4.canonicalRequest(request, signedHeaders: signedHeaders)
        let expected = SigV4.signature(secret: credentials.secretAccessKey, scope: scope,
                                       stringToSign: SigV4.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical))
        guard constantTimeEqual(expected, provided) else { return .failure(.signatureMismatch) }
        return .success(Identity(accessKeyId: credentials.accessKeyId, region: scope.region))
    }

    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
