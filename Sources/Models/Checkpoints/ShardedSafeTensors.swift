import JSON
import Foundation
import Tensors

/// A checkpoint split into several safetensors shards, as transformers saves large models: a
/// `model.safetensors.index.json` whose `weight_map` sends each tensor name to its shard file. The
/// shards are opened (mapped, headers validated) up front and presented as one collection.
public final class ShardedSafeTensors: SafeTensorsCollection, @unchecked Sendable {
    /// The index file's path.
    public let indexPath: String
    /// The opened shards, by file name, as named in the index.
    public let shards: [String: SafeTensorsFile]
    /// Every tensor of the `weight_map`, in the index's order.
    public let tensorInfos: [SafeTensorsTensorInfo]

    private let shardByTensor: [String: SafeTensorsFile]

    /// Reads the index at `indexURL` and opens every shard it names, which must lie in the same folder.
    public init(indexURL: URL) throws {
        let path = indexURL.path
        func bad(_ reason: String) -> SafeTensorsError { .badIndex(file: path, reason: reason) }
        let indexBytes = try MappedBytes(path: path)
        let json: JSONValue
        do {
            json = try withExtendedLifetime(indexBytes) { try JSONParser.parse(indexBytes.bytes) }
        } catch let failure as JSONParser.Failure {
            throw bad("the index is not valid JSON: \(failure.reason)")
        }
        guard case let .object(members) = json,
              case let .object(weightMap)? = members.first(where: { $0.key == "weight_map" })?.value else {
            throw bad("the index has no 'weight_map' object")
        }
        let folder = indexURL.deletingLastPathComponent()
        var shards: [String: SafeTensorsFile] = [:]
        var shardByTensor: [String: SafeTensorsFile] = [:]
        var infos: [SafeTensorsTensorInfo] = []
        for (tensor, value) in weightMap {
            guard case let .string(shardName) = value, !shardName.contains("/"), shardName != "..", shardName != "." else {
                throw bad("weight_map sends tensor '\(tensor)' to \(value.typeName), not a file name in the index's folder")
            }
            let shard: SafeTensorsFile
            if let opened = shards[shardName] {
                shard = opened
            } else {
                let url = folder.appendingPathComponent(shardName)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw bad("weight_map sends tensor '\(tensor)' to shard '\(shardName)', which is missing")
                }
                shard = try SafeTensorsFile(contentsOf: url)
                shards[shardName] = shard
            }
            guard let info = shard.info(named: tensor) else {
                throw bad("weight_map sends tensor '\(tensor)' to shard '\(shardName)', which has no such tensor")
            }
            guard shardByTensor.updateValue(shard, forKey: tensor) == nil else {
                throw bad("weight_map names tensor '\(tensor)' twice")
            }
            infos.append(info)
        }
        self.indexPath = path
        self.shards = shards
        self.shardByTensor = shardByTensor
        self.tensorInfos = infos
    }

    public func info(named name: String) -> SafeTensorsTensorInfo? {
        shardByTensor[name]?.info(named: name)
    }

    public func tensor(named name: String) throws -> Tensor {
        try shard(holding: name).tensor(named: name)
    }

    public func integers(named name: String) throws -> [Int] {
        try shard(holding: name).integers(named: name)
    }

    public func withRawBytes<R>(of name: String, _ body: (SafeTensorsTensorInfo, UnsafeRawBufferPointer) throws -> R) throws -> R {
        try shard(holding: name).withRawBytes(of: name, body)
    }

    private func shard(holding name: String) throws -> SafeTensorsFile {
        guard let shard = shardByTensor[name] else { throw SafeTensorsError.tensorNotFound(file: indexPath, tensor: name) }
        return shard
    }
}
