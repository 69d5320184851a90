import Tensors

/// A parameterless activation module (`act`, `act_fn`, `intermediate_act_fn`, the pooler's tanh),
/// kept in the tree so that module names match transformers'.
public final class Activation: Module, TensorLayer {
    /// The activation functions transformers' configs name (`hidden_act`, `activation_function`).
    public enum Function: String, Sendable {
        case gelu, geluNew = "gelu_new", geluPytorchTanh = "gelu_pytorch_tanh", silu, relu, tanh

        /// The class transformers uses for it.
        var typeName: String {
            switch self {
            case .gelu: return "GELUActivation"
            case .geluNew: return "NewGELUActivation"
            case .geluPytorchTanh: return "PytorchGELUTanh"
            case .silu: return "SiLUActivation"
            case .relu: return "ReLU"
            case .tanh: return "Tanh"
            }
        }
    }

    public let function: Function

    public init(_ function: Function) {
        self.function = function
        super.init(kind: .container, typeName: function.typeName)
    }

    /// The function named by a config value, or an error listing the supported ones.
    public convenience init(named name: String, configPath: String) throws {
        let aliases = ["swish": Function.silu, "gelu_fast": .geluNew]
        guard let function = Function(rawValue: name) ?? aliases[name] else {
            throw ModelError.invalidConfig(path: configPath, reason: "activation \(name) is not supported; supported: gelu, gelu_new, gelu_pytorch_tanh, silu, relu, tanh")
        }
        self.init(function)
    }

    override public func sharingReplica() throws -> Module {
        let copy = Activation(function)
        copy.setTraining(isTraining)
        return copy
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        switch function {
        case .gelu: return x.gelu()
        case .geluNew, .geluPytorchTanh: return x.gelu(approximation: .tanh)
        case .silu: return x.silu()
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        }
    }
}

/// `nn.ModuleList`: children named `0`, `1`, … (transformer blocks).
public final class ModuleList: Module {
    public init(_ modules: [Module]) {
        super.init(kind: .container, typeName: "ModuleList")
        for (i, module) in modules.enumerated() { register(module, as: String(i)) }
    }

    override public func sharingReplica() throws -> Module {
        let copy = try ModuleList(children.map { try $0.module.sharingReplica() })
        copy.setTraining(isTraining)
        return copy
    }
}
