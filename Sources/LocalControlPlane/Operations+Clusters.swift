import AWSSupport
import ECSModel

extension ControlPlane {
    static let defaultCluster = "default"

    /// Resolves a `cluster` parameter (name, ARN or absent) to an existing cluster's ARN.
    func clusterArn(_ input: Input, key: String = "cluster") throws -> String {
        let given = try input.string(key) ?? Self.defaultCluster
        let arn = given.hasPrefix("arn:") ? given : arns.cluster(given)
        guard let cluster = clusters[arn], cluster.status == "ACTIVE" else { throw AWSError.clusterNotFound() }
        return arn
    }

    func clusterName(_ arn: String) -> String { clusters[arn]?.clusterName ?? String(arn.split(separator: "/").last ?? "") }

    /// A cluster with its counts filled in, as DescribeClusters shows it.
    func counted(_ arn: String) -> Cluster {
        var c = clusters[arn]!
        c.registeredContainerInstancesCount = instances.values.filter { $0.clusterArn == arn && $0.instance.status != "INACTIVE" }.count
        let clusterTasks = tasks.values.filter { $0.clusterArn == arn }
        c.runningTasksCount = clusterTasks.filter { $0.task.lastStatus == "RUNNING" }.count
        c.pendingTasksCount = clusterTasks.filter { $0.task.lastStatus == "PENDING" }.count
        c.activeServicesCount = 0
        c.statistics = []
        c.tags = clusterTags[arn] ?? []
        c.settings = c.settings ?? [ClusterSetting(name: "containerInsights", value: "disabled")]
        c.capacityProviders = []
        return c
    }

    func createCluster(_ input: Input) throws -> JSONValue {
        let name = try input.string("clusterName") ?? Self.defaultCluster
        guard name.count <= 255, !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw AWSError.invalidParameter("clusterName can have up to 255 characters: letters, numbers, hyphens and underscores.")
        }
        let arn = arns.cluster(name)
        if clusters[arn]?.status != "ACTIVE" {
            var cluster = Cluster(clusterArn: arn, clusterName: name)
            cluster.settings = try input.decode("settings", as: [ClusterSetting].self)
            clusters[arn] = cluster
            clusterTags[arn] = try input.decode("tags", as: [Tag].self) ?? []
            save(cluster: arn)
            logger.info("cluster created", metadata: ["cluster": "\(arn)"])
        }
        return .object(["cluster": json(counted(arn))])
    }

    func deleteCluster(_ input: Input) throws -> JSONValue {
        let arn = try clusterArn(input)
        if instances.values.contains(where: { $0.clusterArn == arn && $0.instance.status != "INACTIVE" }) {
            throw AWSError("ClusterContainsContainerInstancesException", "The Cluster cannot be deleted while Container Instances are active or draining.")
        }
        if tasks.values.contains(where: { $0.clusterArn == arn && $0.task.lastStatus != "STOPPED" }) {
            throw AWSError("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
        }
        var cluster = counted(arn)
        cluster.status = "INACTIVE"
        clusters[arn]?.status = "INACTIVE"
        save(cluster: arn)
        return .object(["cluster": json(cluster)])
    }

    func listClusters(_ input: Input) throws -> JSONValue {
        let all = clusters.values.filter { $0.status == "ACTIVE" }.compactMap(\.clusterArn).sorted()
        let (page, next) = try paginate(all, input)
        return .object(["clusterArns": json(page)].merging(next.map { ["nextToken": .string($0)] } ?? [:]) { a, _ in a })
    }

    func describeClusters(_ input: Input) throws -> JSONValue {
        var requested = try input.strings("clusters")
        if requested.isEmpty { requested = [Self.defaultCluster] }
        var found: [JSONValue] = []
        var failures: [Failure] = []
        for given in requested {
            let arn = given.hasPrefix("arn:") ? given : arns.cluster(given)
            if clusters[arn] != nil { found.append(json(counted(arn))) } else { failures.append(Failure(arn: arn, reason: "MISSING")) }
        }
        return .object(["clusters": .array(found), "failures": json(failures)])
    }

    /// `maxResults` / `nextToken` over a sorted list; the token is the index to start from.
    func paginate<T>(_ items: [T], _ input: Input) throws -> ([T], String?) {
        let max = try input.int("maxResults") ?? 100
        guard (1...100).contains(max) else { throw AWSError.invalidParameter("maxResults must be between 1 and 100.") }
        var start = 0
        if let token = try input.string("nextToken") {
            guard let i = Int(token), i >= 0, i <= items.count else { throw AWSError.invalidParameter("Invalid nextToken.") }
            start = i
        }
        let end = min(items.count, start + max)
        return (Array(items[start..<end]), end < items.count ? String(end) : nil)
    }
}
