import AWSSupport
import ECSModel
import Synchronization
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pull credentials from a container's registryAuthentication (engine.md §6.4):
/// - `ecr`: ECR GetAuthorizationToken, signed with the task's execution role when
///   `useExecutionRole`, else with the agent's own credentials; the token is base64
///   `user:password`. Tokens are cached by (credentials id, role, region, registry, endpoint)
///   and reused until a random 30-60 min before they expire, so a burst of tasks from one
///   repository makes one call.
/// - `asm`: Secrets Manager GetSecretValue of `credentialsParameter`, a JSON object with
///   `username` and `password`, with the execution role. Never cached, never logged.
/// The ECR endpoint: `endpointOverride`, else `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL`, else
/// `https://api.ecr.<region>.<partition suffix>`.
struct AWSRegistryCredentials: RegistryCredentialsSource {
    let region: String
    let environment: [String: String]
    let userAgent: String
    /// The agent's own credentials, for ECR pulls without the execution role.
    let instanceCredentials: CredentialChain
    let secrets: AWSSecretsSource
    let tokens = ECRTokenCache()

    init(region: String, environment: [String: String], userAgent: String, instanceCredentials: CredentialChain) {
        self.region = region
        self.environment = environment
        self.userAgent = userAgent
        self.instanceCredentials = instanceCredentials
        secrets = AWSSecretsSource(region: region, environment: environment, userAgent: userAgent)
    }

    func login(_ authentication: RegistryAuthentication, image: String, executionCredentials: IAMRoleCredentials?) async throws(RegistryAuthError) -> RegistryLogin {
        switch authentication.type {
        case "ecr": return try await ecr(authentication.ecrAuthData ?? .init(), executionCredentials: executionCredentials)
        case "asm": return try await asm(authentication.asmAuthData ?? .init(), executionCredentials: executionCredentials)
        default: throw RegistryAuthError("CannotPullContainerError: unknown registry authentication type \(authentication.type ?? "")")
        }
    }

    // MARK: ECR

    func ecrEndpoint(_ data: RegistryAuthentication.ECRAuthData, region: String) -> String {
        if let override = data.endpointOverride, !override.isEmpty { return override.contains("://") ? override : "https://" + override }
        return secrets.endpoint("api.ecr", envSuffix: "ECR", region: region)
    }

    func ecr(_ data: RegistryAuthentication.ECRAuthData, executionCredentials: IAMRoleCredentials?) async throws(RegistryAuthError) -> RegistryLogin {
        let region = data.region.flatMap { $0.isEmpty ? nil : $0 } ?? self.region
        let endpoint = ecrEndpoint(data, region: region)
        let credentials: CredentialChain
        let identity: String
        if data.useExecutionRole == true {
            guard let executionCredentials, let chain = AWSSecretsSource.chain(executionCredentials) else {
                throw RegistryAuthError("CannotPullECRContainerError: the task has no execution role credentials for the ECR pull")
            }
            credentials = chain
            identity = "\(executionCredentials.credentialsId ?? "")|\(executionCredentials.roleArn ?? "")"
        } else {
            credentials = instanceCredentials
            identity = "instance"
        }
        let key = [identity, region, data.registryId ?? "", endpoint].joined(separator: "|")
        if let cached = tokens.valid(key, now: Date().timeIntervalSince1970) { return cached }

        let client = AWSJSONClient(options: .init(endpoint: endpoint, region: region, service: "ecr", targetPrefix: "AmazonEC2ContainerRegistry_V20150921",
                                                  userAgent: userAgent, timeout: .seconds(30)), credentials: credentials)
        let input: JSONValue = data.registryId.map { .object(["registryIds": .array([.string($0)])]) } ?? .object([:])
        let reply: JSONValue
        do { reply = try await client.call("GetAuthorizationToken", input) } catch {
            throw RegistryAuthError("CannotPullECRContainerError: GetAuthorizationToken for registry \(data.registryId ?? "(default)") in \(region): \(error)")
        }
        guard let entry = reply["authorizationData"]?.arrayValue?.first, let token = entry["authorizationToken"]?.stringValue,
              let login = Self.decodeToken(token, proxyEndpoint: entry["proxyEndpoint"]?.stringValue ?? "") else {
            throw RegistryAuthError("CannotPullECRContainerError: GetAuthorizationToken for registry \(data.registryId ?? "(default)") returned no usable token")
        }
        if let expiresAt = entry["expiresAt"]?.doubleValue {
            tokens.store(login, key: key, refreshAt: expiresAt - Double.random(in: 1800...3600))
        }
        return login
    }

    /// base64 `user:password` → a login for `proxyEndpoint`.
    static func decodeToken(_ token: String, proxyEndpoint: String) -> RegistryLogin? {
        guard let bytes = Data(base64Encoded: token), let text = String(data: bytes, encoding: .utf8),
              let colon = text.firstIndex(of: ":") else { return nil }
        return RegistryLogin(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]), serverAddress: proxyEndpoint)
    }

    // MARK: Secrets Manager

    func asm(_ data: RegistryAuthentication.ASMAuthData, executionCredentials: IAMRoleCredentials?) async throws(RegistryAuthError) -> RegistryLogin {
        guard let arn = data.credentialsParameter, !arn.isEmpty else {
            throw RegistryAuthError("CannotPullContainerAuthError: repositoryCredentials has no credentialsParameter")
        }
        guard let executionCredentials, let chain = AWSSecretsSource.chain(executionCredentials) else {
            throw RegistryAuthError("CannotPullContainerAuthError: the task has no execution role credentials to read \(arn)")
        }
        let region = data.region.flatMap { $0.isEmpty ? nil : $0 } ?? ARNText.region(arn) ?? self.region
        let reply: JSONValue
        do { reply = try await secrets.secretValue(arn, region: region, credentials: chain) } catch {
            throw RegistryAuthError("CannotPullContainerAuthError: repository credentials \(arn): \(error)")
        }
        guard let text = reply["SecretString"]?.stringValue, let object = JSONValue.parse(text),
              let username = object["username"]?.stringValue, let password = object["password"]?.stringValue else {
            throw RegistryAuthError("CannotPullContainerAuthError: repository credentials \(arn) are not a JSON object with username and password")
        }
        return RegistryLogin(username: username, password: password, serverAddress: "")
    }
}

/// ECR logins by cache key, each with the moment to fetch a new one.
final class ECRTokenCache: Sendable {
    private let entries = Mutex<[String: (login: RegistryLogin, refreshAt: Double)]>([:])

    func valid(_ key: String, now: Double) -> RegistryLogin? {
        entries.withLock { table in
            guard let entry = table[key] else { return nil }
            if entry.refreshAt > now { return entry.login }
            table[key] = nil
            return nil
        }
    }

    func store(_ login: RegistryLogin, key: String, refreshAt: Double) {
        entries.withLock { $0[key] = (login, refreshAt) }
    }
}
