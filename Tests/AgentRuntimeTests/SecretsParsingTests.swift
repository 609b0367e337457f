@testable import AgentRuntime
import ECSModel
import Testing

@Suite("Secrets and environment files: parsing")
struct SecretsParsingTests {
    @Test("An environment file: KEY=VALUE lines, comments and blank lines skipped, values kept literally")
    func envFile() {
        let parsed = AWSSecretsSource.parseEnvFile("# comment\n\nA=1\n  B = two words \nC=\"quoted\"\nD=x=y\nnot a variable\n=empty\n")
        #expect(parsed.map(\.0) == ["A", "B", "C", "D"])
        #expect(parsed.map(\.1) == ["1", " two words ", "\"quoted\"", "x=y"])
    }

    @Test("The region of a secret comes from its ARN; a bare name has none")
    func region() {
        #expect(ARNText.region("arn:aws:ssm:eu-west-1:123:parameter/x") == "eu-west-1")
        #expect(ARNText.region("/app/db") == nil)
    }

    @Test("Endpoints: the service's own override, then AWS_ENDPOINT_URL, then the regional endpoint")
    func endpoints() {
        let plain = AWSSecretsSource(region: "us-west-2", environment: [:], userAgent: "t")
        #expect(plain.endpoint("ssm", envSuffix: "SSM", region: "eu-west-1") == "https://ssm.eu-west-1.amazonaws.com")
        #expect(plain.endpoint("ssm", envSuffix: "SSM", region: "cn-north-1") == "https://ssm.cn-north-1.amazonaws.com.cn")
        let overridden = AWSSecretsSource(region: "us-west-2", environment: ["AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_SSM": "http://b"], userAgent: "t")
        #expect(overridden.endpoint("ssm", envSuffix: "SSM", region: "us-west-2") == "http://b")
        #expect(overridden.endpoint("secretsmanager", envSuffix: "SECRETS_MANAGER", region: "us-west-2") == "http://a")
    }
}
