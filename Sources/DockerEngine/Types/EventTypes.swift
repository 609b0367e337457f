/// One message of `GET /events`.
public struct DockerEvent: Codable, Sendable, Hashable {
    /// container, image, volume, network, daemon, plugin...
    public var type: String
    /// create, start, die, destroy, health_status: healthy, oom, kill...
    public var action: String
    public var actor: Actor
    public var scope: String?
    /// Seconds since the epoch.
    public var time: Int64
    /// Nanoseconds since the epoch; the resume position.
    public var timeNano: Int64

    public struct Actor: Codable, Sendable, Hashable {
        public var id: String
        public var attributes: [String: String]?
        enum CodingKeys: String, CodingKey { case id = "ID", attributes = "Attributes" }
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type", action = "Action", actor = "Actor", scope, time, timeNano
    }

    /// Two deliveries of the same event compare equal on this key.
    var identity: String { "\(timeNano)|\(type)|\(action)|\(actor.id)" }
}
