import CSystemd
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// systemd's manager (`org.freedesktop.systemd1.Manager`) over D-Bus through sd-bus: the few
/// calls the agent needs for task slices under Docker's systemd cgroup driver.
///
/// As root it talks to systemd's private socket (/run/systemd/private), as `systemctl` does, so
/// no dbus-daemon is needed; otherwise, or when that socket refuses, the system bus. One
/// connection, opened on first use and kept; calls on it are serialised (an sd-bus connection is
/// not thread-safe) and bounded by `timeout`. A connection systemd closed (daemon-reexec) is
/// reopened once per call.
public final class SystemdManager: Sendable {
    /// A failed call: the D-Bus error name when systemd answered one, else the errno text.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var operation: String
        public var errorName: String?
        public var message: String
        public var description: String {
            "systemd \(operation): " + (errorName.map { "\($0): \(message)" } ?? message)
        }
        public init(operation: String, errorName: String? = nil, message: String) {
            self.operation = operation
            self.errorName = errorName
            self.message = message
        }
        public var isNoSuchUnit: Bool { errorName == "org.freedesktop.systemd1.NoSuchUnit" }
        public var isUnitExists: Bool { errorName == "org.freedesktop.systemd1.UnitExists" }
    }

    /// One unit property as `a(sv)` carries it.
    public enum Property: Sendable, Equatable, CustomStringConvertible {
        case string(String, String)
        case uint64(String, UInt64)
        case bool(String, Bool)

        public var name: String {
            switch self {
            case .string(let n, _), .uint64(let n, _), .bool(let n, _): n
            }
        }
        public var description: String {
            switch self {
            case .string(let n, let v): "\(n)=\(v)"
            case .uint64(let n, let v): "\(n)=\(v)"
            case .bool(let n, let v): "\(n)=\(v ? "yes" : "no")"
            }
        }
    }

    /// The sd_bus pointer, touched only under the lock.
    private struct Connection: @unchecked Sendable {
        var bus: OpaquePointer?
    }

    private let connection = Mutex(Connection())
    private let timeout: Duration
    private let privateSocket: String
    private let systemBus: String?

    /// `systemBus`: a D-Bus address for the system bus instead of libsystemd's default
    /// (`DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket).
    public init(timeout: Duration = .seconds(10), privateSocket: String = "/run/systemd/private", systemBus: String? = nil) {
        self.timeout = timeout
        self.privateSocket = privateSocket
        self.systemBus = systemBus
    }

    deinit {
        connection.withLock { c in
            if let bus = c.bus { sd_bus_flush_close_unref(bus) }
            c.bus = nil
        }
    }

    /// Opens the connection now, so a host without a reachable systemd is found at start-up.
    public func connect() throws {
        try connection.withLock { (c: inout Connection) throws in
            if c.bus == nil { c.bus = try open() }
        }
    }

    /// `StartTransientUnit(name, mode, properties, [])`; returns the job's object path.
    @discardableResult
    public func startTransientUnit(_ name: String, mode: String = "fail", properties: [Property]) throws -> String {
        try call("StartTransientUnit", name: name) { m in
            var b = Builder(m)
            b.string(name)
            b.string(mode)
            b.properties(properties)
            b.open("a", "(sa(sv))")
            b.close()
            return b.result
        }
    }

    /// `SetUnitProperties(name, runtime, properties)`.
    public func setUnitProperties(_ name: String, runtime: Bool = true, properties: [Property]) throws {
        _ = try call("SetUnitProperties", name: name, replyIsPath: false) { m in
            var b = Builder(m)
            b.string(name)
            b.bool(runtime)
            b.properties(properties)
            return b.result
        }
    }

    /// `StopUnit(name, mode)`; returns the job's object path.
    @discardableResult
    public func stopUnit(_ name: String, mode: String = "replace") throws -> String {
        try call("StopUnit", name: name) { m in
            var b = Builder(m)
            b.string(name)
            b.string(mode)
            return b.result
        }
    }

    // MARK: - sd-bus

    private func open() throws -> OpaquePointer {
        var bus: OpaquePointer?
        if geteuid() == 0 && access(privateSocket, F_OK) == 0 {
            var r = sd_bus_new(&bus)
            if r >= 0 { r = sd_bus_set_address(bus, "unix:path=" + privateSocket) }
            if r >= 0 { r = sd_bus_start(bus) }
            if r >= 0, let bus { return bus }
            if let b = bus { sd_bus_flush_close_unref(b) }
            bus = nil
        }
        var r: Int32
        if let systemBus {
            r = sd_bus_new(&bus)
            if r >= 0 { r = sd_bus_set_address(bus, systemBus) }
            if r >= 0 { r = sd_bus_set_bus_client(bus, 1) }
            if r >= 0 { r = sd_bus_start(bus) }
            if r < 0, let b = bus {
                sd_bus_flush_close_unref(b)
                bus = nil
            }
        } else {
            r = sd_bus_open_system(&bus)
        }
        guard r >= 0, let bus else {
            throw Failure(operation: "connect", message: "neither \(privateSocket) nor the system bus answers: \(Self.errnoText(r))")
        }
        return bus
    }

    /// Builds the method call, sends it, and reads the object path a job-returning call answers.
    private func call(_ member: String, name: String, replyIsPath: Bool = true,
                      build: (OpaquePointer) -> Int32) throws -> String {
        let (seconds, attoseconds) = timeout.components
        let usec = UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
        return try connection.withLock { (c: inout Connection) throws -> String in
            for attempt in 0..<2 {
                if c.bus == nil { c.bus = try open() }
                guard let bus = c.bus else { break }
                var m: OpaquePointer?
                var r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                       "org.freedesktop.systemd1.Manager", member)
                guard r >= 0, let m else {
                    throw Failure(operation: "\(member) \(name)", message: "build: \(Self.errnoText(r))")
                }
                defer { sd_bus_message_unref(m) }
                r = build(m)
                guard r >= 0 else { throw Failure(operation: "\(member) \(name)", message: "build: \(Self.errnoText(r))") }
                var error = sd_bus_error()
                var reply: OpaquePointer?
                r = sd_bus_call(bus, m, usec, &error, &reply)
                defer {
                    sd_bus_error_free(&error)
                    if let reply { sd_bus_message_unref(reply) }
                }
                if r >= 0 {
                    guard replyIsPath, let reply else { return "" }
                    var path: UnsafePointer<CChar>?
                    guard sd_bus_message_read_basic(reply, Self.type("o"), &path) > 0, let path else { return "" }
                    return String(cString: path)
                }
                if let errorName = error.name, !Self.isTransportError(r) {
                    throw Failure(operation: "\(member) \(name)", errorName: String(cString: errorName),
                                  message: error.message.map { String(cString: $0) } ?? Self.errnoText(r))
                }
                // The connection went away (systemd re-executed, or closed it): once more on a new one.
                sd_bus_flush_close_unref(bus)
                c.bus = nil
                if attempt == 1 { throw Failure(operation: "\(member) \(name)", message: Self.errnoText(r)) }
            }
            throw Failure(operation: "\(member) \(name)", message: "no connection")
        }
    }

    private static func isTransportError(_ r: Int32) -> Bool {
        [ECONNRESET, ENOTCONN, EPIPE, ESHUTDOWN, ECONNREFUSED].contains(-r)
    }

    static func errnoText(_ r: Int32) -> String { String(cString: strerror(r < 0 ? -r : r)) }
    static func type(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }

    /// Appends to a message, keeping the first failure (sd-bus calls return -errno).
    struct Builder {
        let m: OpaquePointer
        private(set) var result: Int32 = 0
        init(_ m: OpaquePointer) { self.m = m }

        mutating func step(_ r: Int32) { if result >= 0 && r < 0 { result = r } }
        mutating func string(_ s: String) { step(s.withCString { sd_bus_message_append_basic(m, SystemdManager.type("s"), $0) }) }
        mutating func uint64(_ v: UInt64) {
            var v = v
            step(sd_bus_message_append_basic(m, SystemdManager.type("t"), &v))
        }
        mutating func bool(_ v: Bool) {
            var b: Int32 = v ? 1 : 0
            step(sd_bus_message_append_basic(m, SystemdManager.type("b"), &b))
        }
        mutating func open(_ type: Unicode.Scalar, _ contents: String) {
            step(sd_bus_message_open_container(m, SystemdManager.type(type), contents))
        }
        mutating func close() { step(sd_bus_message_close_container(m)) }

        /// `a(sv)`.
        mutating func properties(_ properties: [Property]) {
            open("a", "(sv)")
            for p in properties {
                open("r", "sv")
                string(p.name)
                switch p {
                case .string(_, let v): open("v", "s"); string(v)
                case .uint64(_, let v): open("v", "t"); uint64(v)
                case .bool(_, let v): open("v", "b"); bool(v)
                }
                close()
                close()
            }
            close()
        }
    }
}
