import JSON
import Foundation
import Tensors

/// `init_lora_weights`: how a new adapter's weights start.
public enum LoraInitialization: Equatable, Sendable {
    /// `true`: A Kaiming-uniform (a = √5), B zero (Embedding: A zero, B standard normal); a fresh
    /// adapter changes nothing.
    case kaimingUniform
    /// `"gaussian"`: A normal with std 1/r, B zero.
    case gaussian
    /// `false`: A and B both random (for tests; the adapter changes the output at once).
    case random
    /// `"pissa"` (exact SVD, `niter` nil) or `"pissa_niter_N"` (randomised SVD with N subspace
    /// iterations): A and B from the top-r singular triplets; the base becomes the residual.
    case pissa(niter: Int?)
    /// `"olora"`: A and B from the QR decomposition of the weight; the base becomes the residual.
    case olora
    /// `"orthogonal"`: A and B built from the two halves of one random orthogonal r × r matrix, so
    /// B·A = 0 (r even).
    case orthogonal
    /// `"loftq"` with `loftq_config`: the base becomes its NF4-quantised value and A, B the rank-r
    /// SVD of the quantisation error.
    case loftq(LoftQConfig)
    /// `"eva"`: A from the principal directions of each layer's inputs on calibration data, ranks
    /// redistributed by explained variance, B zero (`eva_config`; see `EvaInitialization`). Without
    /// calibration (loading a saved EVA adapter) A starts as `true` does, to be overwritten.
    case eva
    /// `"corda"`: A and B from the SVD of `W · C` with `C` the covariance of the layer's inputs on
    /// calibration data; the base becomes the residual (`corda_config`; see `CordaInitialization`).
    case corda
    /// `"lora_ga"`: A and B from the SVD of each layer's weight gradient on calibration data; the
    /// base becomes the residual (`lora_ga_config`; see `LoraGAInitialization`). Without calibration
    /// (loading a saved LoRA-GA adapter) A starts as `true` does, to be overwritten, as in PEFT.
    case loraGA

    /// Whether this init replaces the base weight of the modules it adapts (PiSSA, OLoRA, LoftQ,
    /// CorDA, LoRA-GA).
    public var changesBase: Bool {
        switch self {
        case .pissa, .olora, .loftq, .corda, .loraGA: return true
        case .kaimingUniform, .gaussian, .random, .orthogonal, .eva: return false
        }
    }

    /// Whether this init reads calibration data (`PeftModel.initialized`).
    public var needsCalibration: Bool {
        switch self {
        case .eva, .corda, .loraGA: return true
        case .kaimingUniform, .gaussian, .random, .pissa, .olora, .orthogonal, .loftq: return false
        }
    }

    /// The value as `adapter_config.json` writes it (`true`, `"pissa"`).
    public var configText: String { json.pythonJSONText() }

    /// The value as a user names it, without JSON's quotes (`true`, `pissa_niter_4`).
    public var name: String { json.stringValue ?? configText }

    /// The JSON value PEFT writes.
    var json: JSONValue {
        switch self {
        case .kaimingUniform: return .bool(true)
        case .random: return .bool(false)
        case .gaussian: return .string("gaussian")
        case .pissa(nil): return .string("pissa")
        case let .pissa(niter?): return .string("pissa_niter_\(niter)")
        case .olora: return .string("olora")
        case .orthogonal: return .string("orthogonal")
        case .loftq: return .string("loftq")
        case .eva: return .string("eva")
        case .corda: return .string("corda")
        case .loraGA: return .string("lora_ga")
        }
    }

    /// The values lorakit has, as a user writes them.
    static let knownNames = "true, false, \"gaussian\", \"pissa\", \"pissa_niter_N\", \"olora\", \"orthogonal\", \"loftq\", \"eva\", \"corda\", \"lora_ga\""

    /// Reads `init_lora_weights` as PEFT's layers dispatch on it (`pissa*` by prefix, `olora` and
    /// `gaussian` in any case); `config` holds the other fields of the config, from which `"loftq"`
    /// reads its `loftq_config`.
    init(json: JSONValue, config: [String: JSONValue] = [:]) throws {
        switch json {
        case let .bool(value): self = value ? .kaimingUniform : .random
        case let .string(text):
            if text == "pissa" {
                self = .pissa(niter: nil)
            } else if text.hasPrefix("pissa") {
                let parts = text.components(separatedBy: "_niter_")
                guard parts.count == 2, let niter = Int(parts[1].trimmingCharacters(in: .whitespaces)), niter >= 0 else {
                    throw TunerError.invalidValue(field: "init_lora_weights", reason: "init_lora_weights should be 'pissa' or 'pissa_niter_[number of iters]', got \(text) instead")
                }
                self = .pissa(niter: niter)
            } else if text.lowercased() == "olora" {
                self = .olora
            } else if text.lowercased() == "gaussian" {
                self = .gaussian
            } else if text == "orthogonal" {
                self = .orthogonal
            } else if text == "loftq" {
                self = .loftq(try LoftQConfig(json: config["loftq_config"]))
            } else if text == "eva" {
                self = .eva
            } else if text == "corda" {
                self = .corda
            } else if text == "lora_ga" {
                self = .loraGA
            } else {
                throw TunerError.invalidValue(field: "init_lora_weights", reason: "unknown initialisation \"\(text)\"; use one of \(Self.knownNames)")
            }
        default: throw TunerError.invalidValue(field: "init_lora_weights", reason: "must be true, false or a method name (\(Self.knownNames))")
        }
    }

    /// Initial `lora_embedding_A` `[r, count]` and `lora_embedding_B` `[dimension, r]`. PEFT's
    /// Embedding layer resets every named init as `true` does.
    func embeddingWeights(r: Int, count: Int, dimension: Int, generator: inout RandomGenerator) -> (a: Tensor, b: Tensor) {
        switch self {
        case .random:
            return (Tensor.normal([r, count], generator: &generator), Tensor.normal([dimension, r], generator: &generator))
        default:
            return (Tensor.zeros([r, count]), Tensor.normal([dimension, r], generator: &generator))
        }
    }
}
