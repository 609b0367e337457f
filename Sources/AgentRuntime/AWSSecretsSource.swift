import AsyncHTTPClient
import AWSSupport
import ECSModel
import NIOCore
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Secrets from SSM Parameter Store and Secrets Manager, and S3 environment files, with the
/// task's execution role credentials (engine.md §3.2). Endpoints follow the AWS SDKs' standard
/// overrides (`AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_S3`,
/// else `AWS_ENDPOINT_URL`), else the regional endpoints. Values are never logged.
struct AWSSecretsSource: SecretsSource {
    let region: String
    let environment: [String: String]
    let userAgent: String

    func environment(task: ACSTask, container: ACSContainer, credentials: IAMRoleCredentials?) async throws -> ContainerSecrets {
        let name = container.name ?? ""
        guard let credentials, let chain = Self.chain(credentials) else {
            throw SecretsError("ResourceInitializationError: container \(name) has secrets or environment files, and the task has no execution role credentials")
        }
        var out = ContainerSecrets()
        // Environment files in order; a variable already set by an earlier file is kept.
        for file in container.environmentFiles ?? [] {
            guard file.type == nil || file.type == "s3", let arn = file.value else {
                throw SecretsError("ResourceInitializationError: container \(name): environment file type \(file.type ?? "") is not s3")
            }
            let text = try await s3Object(arn, credentials: chain, container: name)
            for (k, v) in Self.parseEnvFile(text) where out.files[k] == nil { out.files[k] = v }
        }
        for s in container.secrets ?? [] where (s.type ?? "ENVIRONMENT_VARIABLE") == "ENVIRONMENT_VARIABLE" {
            guard let variable = s.name, let from = s.valueFrom else { continue }
            let secretRegion = s.region ?? ARNText.region(from) ?? region
            if (s.provider ?? "ssm") == "asm" || from.contains(":secretsmanager:") {
                out.secrets[variable] = try await secretsManager(from, region: secretRegion, credentials: chain, container: name)
            } else {
                out.secrets[variable] = try await parameter(from, region: secretRegion, credentials: chain, container: name)
            }
        }
        return out
    }

    /// A credential chain of exactly these role credentials; nil when they are incomplete.
    static func chain(_ credentials: IAMRoleCredentials) -> CredentialChain? {
        guard let key = credentials.accessKeyId, let secret = credentials.secretAccessKey else { return nil }
        return CredentialChain([EnvironmentCredentialProvider(values: [
            "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": credentials.sessionToken ?? "",
        ])])
    }

    // MARK: services

    func endpoint(_ service: String, envSuffix: String, region: String) -> String {
        if let e = environment["AWS_ENDPOINT_URL_" + envSuffix] ?? environment["AWS_ENDPOINT_URL"], !e.isEmpty { return e }
        return "https://\(service).\(region).\(ECSEndpoint.dnsSuffix(region: region))"
    }

    func parameter(_ valueFrom: String, region: String, credentials: CredentialChain, container: String) async throws -> String {
        let client = AWSJSONClient(options: .init(endpoint: endpoint("ssm", envSuffix: "SSM", region: region), region: region, service: "ssm",
                                                  targetPrefix: "AmazonSSM", userAgent: userAgent, timeout: .seconds(30)), credentials: credentials)
        let reply: JSONValue
        do {
            reply = try await client.call("GetParameters", ["Names": .array([.string(valueFrom)]), "WithDecryption": true])
        } catch {
            throw SecretsError("ResourceInitializationError: unable to pull secrets: container \(container): ssm parameter \(valueFrom): \(error)")
        }
        guard let value = reply["Parameters"]?.arrayValue?.first?["Value"]?.stringValue else {
            throw SecretsError("ResourceInitializationError: unable to pull secrets: container \(container): ssm parameter \(valueFrom) does not exist")
        }
        return value
    }

    /// `arn:...:secret:name[:json-key[:version-stage[:version-id]]]`.
    func secretsManager(_ valueFrom: String, region: String, credentials: CredentialChain, container: String) async throws -> String {
        let parts = valueFrom.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var id = valueFrom, jsonKey = "", stage = "", version = ""
        if parts.count > 7 && valueFrom.hasPrefix("arn:") {
            id = parts[0..<7].joined(separator: ":")
            jsonKey = parts[7]
            if parts.count > 8 { stage = parts[8] }
            if parts.count > 9 { version = parts[9] }
        }
        let reply: JSONValue
        do { reply = try await secretValue(id, stage: stage, version: version, region: region, credentials: credentials) } catch {
            throw SecretsError("ResourceInitializationError: unable to pull secrets: container \(container): secret \(id): \(error)")
        }
        guard let text = reply["SecretString"]?.stringValue else {
            throw SecretsError("ResourceInitializationError: unable to pull secrets: container \(container): secret \(id) has no SecretString")
        }
        guard !jsonKey.isEmpty else { return text }
        guard let value = JSONValue.parse(text)?[jsonKey] else {
            throw SecretsError("ResourceInitializationError: unable to pull secrets: container \(container): secret \(id) has no JSON key \(jsonKey)")
        }
        return value.stringValue ?? value.jsonText
    }

    /// Secrets Manager GetSecretValue's reply (also the source of repository credentials).
    func secretValue(_ id: String, stage: String = "", version: String = "", region: String, credentials: CredentialChain) async throws -> JSONValue {
        var input: [String: JSONValue] = ["SecretId": .string(id)]
        if !stage.isEmpty { input["VersionStage"] = .string(stage) }
        if !version.isEmpty { input["VersionId"] = .string(version) }
        let client = AWSJSONClient(options: .init(endpoint: endpoint("secretsmanager", envSuffix: "SECRETS_MANAGER", region: region), region: region,
                                                  service: "secretsmanager", targetPrefix: "secretsmanager", userAgent: userAgent, timeout: .seconds(30)),
                                   credentials: credentials)
        return try await client.call("GetSecretValue", .object(input))
    }

    /// `arn:aws:s3:::bucket/key`: GET, path-style at an override endpoint, virtual-hosted otherwise.
    func s3Object(_ arn: String, credentials: CredentialChain, container: String) async throws -> String {
        guard arn.hasPrefix("arn:"), let resource = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).last,
              let slash = resource.firstIndex(of: "/") else {
            throw SecretsError("ResourceInitializationError: container \(container): environment file \(arn) is not an S3 object ARN")
        }
        let bucket = String(resource[..<slash]), key = String(resource[resource.index(after: slash)...])
        let override = environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"]
        let base = override.flatMap { $0.isEmpty ? nil : $0 } ?? "https://\(bucket).s3.\(region).\(ECSEndpoint.dnsSuffix(region: region))"
        let path = (override == nil || override!.isEmpty ? "/" : "/\(bucket)/") + key
        guard let schemeEnd = base.firstRange(of: "://") else { throw SecretsError("ResourceInitializationError: S3 endpoint \(base) has no scheme") }
        let host = String(base[schemeEnd.upperBound...].prefix { $0 != "/" })
        let failure = "ResourceInitializationError: failed to fetch environment file \(arn) for container \(container)"
        let creds: AWSCredentials
        do { creds = try await credentials.credentials() } catch { throw SecretsError("\(failure): \(error)") }
        var signing = SigV4.Request(method: "GET", path: path, headers: [("Host", host), ("x-amz-content-sha256", SigV4.emptyPayloadHash)],
                                    payloadHash: SigV4.emptyPayloadHash)
        signing.headers += SigV4.sign(signing, credentials: creds, region: region, service: "s3")
        var request = HTTPClientRequest(url: (base.hasSuffix("/") ? String(base.dropLast()) : base) + path)
        for (name, value) in signing.headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.replaceOrAdd(name: "User-Agent", value: userAgent)
        do {
            let response = try await AWSHTTP.client.execute(request, timeout: .seconds(30))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard response.status.code == 200 else { throw SecretsError("\(failure): S3 answered \(response.status.code)") }
            return body
        } catch let error as SecretsError {
            throw error
        } catch {
            throw SecretsError("\(failure): \(error)")
        }
    }

    // MARK: parsing

    /// ECS environment files: `VARIABLE=VALUE` per line, `#` comments and blank lines skipped,
    /// the value kept literally (no quotes removed, no expansion).
    static func parseEnvFile(_ text: String) -> [(String, String)] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { return nil }
            let key = String(trimmed[..<eq].reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            guard !key.isEmpty else { return nil }
            return (key, String(trimmed[trimmed.index(after: eq)...]))
        }
    }
}
