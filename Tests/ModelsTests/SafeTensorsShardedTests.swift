import Foundation
import Models
import Tensors
import Testing

@Suite struct SafeTensorsShardedTests {
    /// A folder with two shards and an index, as transformers saves a sharded model.
    private func shardedFolder(weightMap: String) throws -> SafeTensorsTemporaryFolder {
        let folder = try SafeTensorsTemporaryFolder()
        try SafeTensorsWriter.write(["model.embed_tokens.weight": Tensor(shape: [2, 2], data: [1, 2, 3, 4]),
                                     "model.norm.weight": Tensor.ones([2])],
                                    metadata: ["format": "pt"], to: folder.file("model-00001-of-00002.safetensors"))
        try SafeTensorsWriter.write(["lm_head.weight": .float32(Tensor(shape: [3, 2], data: [0, 1, 2, 3, 4, 5])),
                                     "position_ids": .int64(shape: [3], values: [0, 1, 2])],
                                    to: folder.file("model-00002-of-00002.safetensors"))
        try Data(#"{"metadata": {"total_size": 64}, "weight_map": \#(weightMap)}"#.utf8)
            .write(to: folder.file(SafeTensorsCheckpoint.indexFileName))
        return folder
    }

    private let completeMap = """
        {"lm_head.weight": "model-00002-of-00002.safetensors",
         "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
         "model.norm.weight": "model-00001-of-00002.safetensors",
         "position_ids": "model-00002-of-00002.safetensors"}
        """

    @Test func presentsTheShardsAsOneCollection() throws {
        let folder = try shardedFolder(weightMap: completeMap)
        let checkpoint = try ShardedSafeTensors(indexURL: folder.file(SafeTensorsCheckpoint.indexFileName))
        #expect(checkpoint.names == ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight", "position_ids"])
        #expect(checkpoint.shards.keys.sorted() == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        #expect(checkpoint.info(named: "lm_head.weight")?.shape == [3, 2])
        #expect(try checkpoint.tensor(named: "model.embed_tokens.weight").scalars == [1, 2, 3, 4])
        #expect(try checkpoint.integers(named: "position_ids") == [0, 1, 2])
        #expect(throws: SafeTensorsError.tensorNotFound(file: checkpoint.indexPath, tensor: "model.layers.0.mlp")) {
            try checkpoint.tensor(named: "model.layers.0.mlp")
        }
    }

    @Test func checkpointFolderOpensTheIndexOrTheSingleFile() throws {
        let sharded = try shardedFolder(weightMap: completeMap)
        #expect(try SafeTensorsCheckpoint.open(directory: sharded.url) is ShardedSafeTensors)
        let single = try SafeTensorsTemporaryFolder()
        try SafeTensorsWriter.write(["w": Tensor.ones([1])], to: single.file(SafeTensorsCheckpoint.singleFileName))
        let file = try SafeTensorsCheckpoint.open(directory: single.url)
        #expect(file is SafeTensorsFile && file.names == ["w"])
        let empty = try SafeTensorsTemporaryFolder()
        #expect(throws: SafeTensorsError.io(file: empty.url.path,
                                            reason: "the folder holds neither model.safetensors nor model.safetensors.index.json")) {
            try SafeTensorsCheckpoint.open(directory: empty.url)
        }
    }

    @Test(arguments: [
        (#"{"a": "model-00003-of-00002.safetensors"}"#,
         "weight_map sends tensor 'a' to shard 'model-00003-of-00002.safetensors', which is missing"),
        (#"{"lm_head.bias": "model-00002-of-00002.safetensors"}"#,
         "weight_map sends tensor 'lm_head.bias' to shard 'model-00002-of-00002.safetensors', which has no such tensor"),
        (#"{"a": "../model-00001-of-00002.safetensors"}"#,
         "weight_map sends tensor 'a' to a string, not a file name in the index's folder"),
        (#"{"a": 3}"#, "weight_map sends tensor 'a' to the number 3, not a file name in the index's folder"),
        (#"{"model.norm.weight": "model-00001-of-00002.safetensors", "model.norm.weight": "model-00001-of-00002.safetensors"}"#,
         "weight_map names tensor 'model.norm.weight' twice"),
        (#"[]"#, "the index has no 'weight_map' object"),
        (#"{"a": }"#, "the index is not valid JSON: unexpected character at byte 53"),
    ])
    func reportsIndexProblems(weightMap: String, reason: String) throws {
        let folder = try shardedFolder(weightMap: weightMap)
        let index = folder.file(SafeTensorsCheckpoint.indexFileName)
        #expect(throws: SafeTensorsError.badIndex(file: index.path, reason: reason)) {
            try ShardedSafeTensors(indexURL: index)
        }
    }

    @Test func reportsADamagedShardByItsOwnName() throws {
        let folder = try shardedFolder(weightMap: completeMap)
        let shard = folder.file("model-00002-of-00002.safetensors")
        try Data([1, 2, 3]).write(to: shard)
        #expect(throws: SafeTensorsError.fileTooShort(file: shard.path, size: 3)) {
            try ShardedSafeTensors(indexURL: folder.file(SafeTensorsCheckpoint.indexFileName))
        }
    }
}
