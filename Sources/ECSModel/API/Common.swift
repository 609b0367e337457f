/// Shapes of the ECS JSON 1.1 API (service model `AmazonEC2ContainerServiceV20141113`), as
/// both ecs-local and the agent's control-plane client read and write them. Field names are
/// the model's; optional fields are left out when nil. Timestamps are epoch seconds.

public struct KeyValuePair: Codable, Sendable, Hashable {
    public var name: String?
    public var value: String?
    public init(name: String?, value: String?) {
        self.name = name
        self.value = value
    }
}

public struct Tag: Codable, Sendable, Hashable {
    public var key: String?
    public var value: String?
    public init(key: String?, value: String?) {
        self.key = key
        self.value = value
    }
}

public struct Attribute: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var targetType: String?
    public var targetId: String?
    public init(name: String, value: String? = nil, targetType: String? = nil, targetId: String? = nil) {
        self.name = name
        self.value = value
        self.targetType = targetType
        self.targetId = targetId
    }
}

/// A registered or remaining resource of a container instance.
public struct Resource: Codable, Sendable, Hashable {
    public var name: String
    public var type: String
    public var doubleValue: Double?
    public var longValue: Int64?
    public var integerValue: Int?
    public var stringSetValue: [String]?

    public init(name: String, type: String, doubleValue: Double? = nil, longValue: Int64? = nil, integerValue: Int? = nil, stringSetValue: [String]? = nil) {
        self.name = name
        self.type = type
        self.doubleValue = doubleValue
        self.longValue = longValue
        self.integerValue = integerValue
        self.stringSetValue = stringSetValue
    }

    public static func integer(_ name: String, _ value: Int) -> Resource { .init(name: name, type: "INTEGER", integerValue: value) }
    public static func stringSet(_ name: String, _ values: [String]) -> Resource { .init(name: name, type: "STRINGSET", stringSetValue: values) }
}

/// One entry of a `failures` list: what could not be done, and why.
public struct Failure: Codable, Sendable, Hashable {
    public var arn: String?
    public var reason: String?
    public var detail: String?
    public init(arn: String?, reason: String?, detail: String? = nil) {
        self.arn = arn
        self.reason = reason
        self.detail = detail
    }
}

public struct NetworkBinding: Codable, Sendable, Hashable {
    public var bindIP: String?
    public var containerPort: Int?
    public var hostPort: Int?
    public var protocol_: String?
    public var containerPortRange: String?
    public var hostPortRange: String?

    public init(bindIP: String? = nil, containerPort: Int? = nil, hostPort: Int? = nil, protocol_: String? = nil,
                containerPortRange: String? = nil, hostPortRange: String? = nil) {
        self.bindIP = bindIP
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.protocol_ = protocol_
        self.containerPortRange = containerPortRange
        self.hostPortRange = hostPortRange
    }

    enum CodingKeys: String, CodingKey {
        case bindIP, containerPort, hostPort, protocol_ = "protocol", containerPortRange, hostPortRange
    }
}
