public import AWSSupport
import ECSModel
import HTTPTypes
public import Hummingbird
import HummingbirdWebSocket
public import Logging
public import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The HTTP side of ecs-local: the ECS JSON 1.1 API on `POST /`, and the ACS and TCS
/// websockets on `/acs/ws` and `/tcs/ws`, all on one listener.
public enum ECSLocalHTTP {
    public static let targetPrefix = "AmazonEC2ContainerServiceV20141113."
    static let maximumBody = 10 << 20

    /// Builds the application. `verifier` nil turns signature checks off.
    public static func application(
        plane: ControlPlane, telemetry: TelemetryStore, verifier: SigV4Verifier?, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.post("/") { request, _ -> Response in
            await api(request, plane: plane, verifier: verifier, logger: logger)
        }
        router.get("/admin/telemetry") { _, _ -> Response in
            await telemetry.report()
        }
        router.get("/health") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }

        let wsRouter = Router(context: BasicWebSocketRequestContext.self)
        wsRouter.middlewares.add(HandshakeVerifier(verifier: verifier))
        wsRouter.ws("/acs/ws") { request, _ in
            request.uri.queryParameters["containerInstanceArn"] == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let query = context.request.uri.queryParameters
            let instance = String(query["containerInstanceArn"] ?? "")
            try await ACSConnection.run(plane: plane, instanceArn: instance, sendCredentials: query["sendCredentials"] == "true",
                                        inbound: inbound, outbound: outbound, logger: logger)
        }
        wsRouter.ws("/tcs/ws") { request, _ in
            request.uri.queryParameters["containerInstance"] == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let instance = String(context.request.uri.queryParameters["containerInstance"] ?? "")
            try await TCSConnection.run(store: telemetry, instanceArn: instance, inbound: inbound, outbound: outbound, logger: logger) {
                await plane.recordHealth($0)
            }
        }

        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: wsRouter, configuration: .init(ws: .init(maxFrameSize: 1 << 20))),
            configuration: .init(address: .hostname(host, port: port), serverName: "ecs-local"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    static func api(_ request: Request, plane: ControlPlane, verifier: SigV4Verifier?, logger: Logger) async -> Response {
        let requestId = Identifiers.uuid()
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: maximumBody))
        } catch {
            return errorResponse(AWSError("SerializationException", "The request body is larger than \(maximumBody) bytes."), requestId)
        }
        if let verifier {
            let signed = SigV4.Request(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                                       headers: signingHeaders(request), body: body)
            if case .failure(let failure) = verifier.verify(signed) {
                let status = failure.awsErrorType == "IncompleteSignatureException" ? 400 : 403
                logger.info("request refused", metadata: ["reason": "\(failure.awsErrorType)"])
                return errorResponse(AWSError(failure.awsErrorType, failure.message, status: status), requestId)
            }
        }
        guard let target = request.headers[.init("X-Amz-Target")!], target.hasPrefix(targetPrefix) else {
            return errorResponse(AWSError("UnknownOperationException", "X-Amz-Target must name an operation of \(targetPrefix.dropLast())."), requestId)
        }
        let operation = String(target.dropFirst(targetPrefix.count))
        guard ControlPlane.operations.contains(operation) else {
            return errorResponse(AWSError("UnknownOperationException", "Operation \(operation) is not supported by ecs-local."), requestId)
        }
        let input: JSONValue
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            input = .object([:])
        } else if let parsed = JSONValue.parse(body) {
            input = parsed
        } else {
            return errorResponse(AWSError("SerializationException", "The request body is not valid JSON."), requestId)
        }
        switch await plane.handle(operation: operation, input: input) {
        case .success(let output):
            var headers = HTTPFields()
            headers[.contentType] = "application/x-amz-json-1.1"
            headers[.init("x-amzn-RequestId")!] = requestId
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: output.jsonText)))
        case .failure(let error):
            logger.debug("operation failed", metadata: ["operation": "\(operation)", "error": "\(error)"])
            return errorResponse(error, requestId)
        }
    }

    static func signingHeaders(_ request: Request) -> [(String, String)] {
        var headers = request.headers.map { ($0.name.rawName, $0.value) }
        if let authority = request.head.authority { headers.append(("host", authority)) }
        return headers
    }

    static func errorResponse(_ error: AWSError, _ requestId: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-amz-json-1.1"
        headers[.init("x-amzn-RequestId")!] = requestId
        headers[.init("x-amzn-ErrorType")!] = error.type
        let body = JSONValue.object(["__type": .string(error.type), "message": .string(error.message)]).jsonText
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Checks the SigV4 signature of a websocket upgrade (signed over the full URL, empty payload)
/// and refuses it in the body form agents decode: `{"AccessDeniedException": "..."}`.
struct HandshakeVerifier<Context: RequestContext>: RouterMiddleware {
    let verifier: SigV4Verifier?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let verifier else { return try await next(request, context) }
        let signed = SigV4.Request(method: "GET", path: request.uri.path, query: request.uri.query ?? "",
                                   headers: ECSLocalHTTP.signingHeaders(request), payloadHash: SigV4.emptyPayloadHash)
        if case .failure(let failure) = verifier.verify(signed) {
            let body = JSONValue.object(["AccessDeniedException": .string(failure.description)]).jsonText
            return Response(status: .forbidden, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return try await next(request, context)
    }
}
