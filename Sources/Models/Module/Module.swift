import Tensors

/// A node of a model's module tree, as in PyTorch: an ordered list of named children and named
/// parameters. A module's full name is the dotted path of child names from the root, exactly as
/// transformers names it (`model.layers.0.self_attn.q_proj`), so PEFT configs select the same modules.
///
/// Forward passes read children through the tree (`layer(_:)`), so replacing a child by name —
/// what every tuner does — changes the computation with no other edit.
open class Module {
    /// What the module does, for rules that ask for a kind (PEFT's "all-linear").
    public let kind: ModuleKind
    /// The class transformers gives this module (`LlamaAttention`, `Conv1D`), for displaying the tree.
    public let typeName: String
    /// Whether the module is in training mode (dropout active), as `nn.Module.training`.
    public private(set) var isTraining = false

    private var childOrder: [String] = []
    private var childTable: [String: Module] = [:]
    private var parameterOrder: [String] = []
    private var parameterTable: [String: Parameter] = [:]

    public init(kind: ModuleKind, typeName: String? = nil) {
        self.kind = kind
        self.typeName = typeName ?? kind.rawValue
    }

    // MARK: Building

    /// Adds a child under `name` (the last component of its full name).
    public func register(_ child: Module, as name: String) {
        precondition(childTable[name] == nil, "child \(name) registered twice")
        childOrder.append(name)
        childTable[name] = child
    }

    /// Adds a parameter under `name`.
    public func register(_ parameter: Parameter, as name: String) {
        precondition(parameterTable[name] == nil, "parameter \(name) registered twice")
        parameterOrder.append(name)
        parameterTable[name] = parameter
    }

    // MARK: Children and parameters of this module

    /// The direct children, in order.
    public var children: [(name: String, module: Module)] { childOrder.map { ($0, childTable[$0]!) } }

    /// The direct child named `name`.
    public func child(_ name: String) -> Module? { childTable[name] }

    /// This module's own parameters, in order.
    public var parameters: [(name: String, parameter: Parameter)] { parameterOrder.map { ($0, parameterTable[$0]!) } }

    /// This module's own parameter named `name`.
    public func parameter(_ name: String) -> Parameter? { parameterTable[name] }

    /// The child `name` as a layer that maps a tensor to a tensor; forward passes read their
    /// sub-layers through this, so a replaced child takes part at once.
    public func layer(_ name: String) -> any TensorLayer {
        guard let layer = childTable[name] as? any TensorLayer else {
            preconditionFailure("\(type(of: self)) has no tensor layer \(name)")
        }
        return layer
    }

    /// Replaces the direct child `name`. A slot that holds a tensor layer (or a token layer) only
    /// takes a module that is one too.
    public func replaceChild(_ name: String, with replacement: Module) throws {
        guard let current = childTable[name] else {
            throw ModelError.unknownModule(name, suggestion: nil)
        }
        if current is any TensorLayer, !(replacement is any TensorLayer) {
            throw ModelError.incompatibleReplacement(name: name, reason: "the slot holds a layer mapping tensors to tensors, and \(type(of: replacement)) is not one")
        }
        if current is any TokenLayer, !(replacement is any TokenLayer) {
            throw ModelError.incompatibleReplacement(name: name, reason: "the slot holds a token embedding, and \(type(of: replacement)) is not one")
        }
        childTable[name] = replacement
        if replacement.isTraining != isTraining { replacement.setTraining(isTraining) }
    }

    // MARK: Copies sharing the weights

    /// PEFT's `clone_module(share_weights=True)`: a new module of the same class and tree whose
    /// parameters are this module's own `Parameter` objects (no memory is copied; a change to one is
    /// a change to both). Layers that can be copied override this; the plain container is copied here,
    /// any other class refuses with an error naming it.
    open func sharingReplica() throws -> Module {
        guard type(of: self) == Module.self else {
            throw ModelError.invalidInput("\(typeName) (\(type(of: self))) cannot be copied with shared weights")
        }
        let copy = Module(kind: kind, typeName: typeName)
        try registerReplicas(in: copy)
        return copy
    }

    /// Gives `copy` replicas of this module's children, the parameters it does not have yet (shared
    /// with this module), and this module's training mode.
    public func registerReplicas(in copy: Module) throws {
        for (name, child) in children { copy.register(try child.sharingReplica(), as: name) }
        for (name, parameter) in parameters where copy.parameter(name) == nil { copy.register(parameter, as: name) }
        copy.setTraining(isTraining)
    }

    // MARK: The whole subtree

    /// Every module of the subtree with its full name (this module has the name `prefix`),
    /// depth-first in registration order, as `named_modules()`; a module reachable twice is listed once.
    public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Module)] = []
        func visit(_ module: Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((name, module))
            for (childName, child) in module.children { visit(child, name.isEmpty ? childName : "\(name).\(childName)") }
        }
        visit(self, prefix)
        return result
    }

    /// Every parameter of the subtree with its full name, as `named_parameters()`: a parameter
    /// shared by several modules (tied weights) is listed once, under its first name.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Parameter)] = []
        for (moduleName, module) in namedModules() {
            for (name, parameter) in module.parameters where seen.insert(ObjectIdentifier(parameter)).inserted {
                result.append((moduleName.isEmpty ? name : "\(moduleName).\(name)", parameter))
            }
        }
        return result
    }

    /// The module at a dotted path below this one (`""` is this module).
    public func module(at path: String) -> Module? {
        guard !path.isEmpty else { return self }
        var current: Module = self
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current.child(String(component)) else { return nil }
            current = next
        }
        return current
    }

    /// Replaces the module at a dotted path; the error suggests the closest existing name.
    public func replaceModule(at path: String, with replacement: Module) throws {
        let parentPath = path.split(separator: ".").dropLast().joined(separator: ".")
        let name = String(path.split(separator: ".").last ?? "")
        guard let parent = module(at: parentPath), parent.child(name) != nil else {
            throw ModelError.unknownModule(path, suggestion: closestModuleName(to: path))
        }
        try parent.replaceChild(name, with: replacement)
    }

    /// The existing module name most like `name` (by edit distance), for error messages.
    public func closestModuleName(to name: String) -> String? {
        namedModules().map(\.name).filter { !$0.isEmpty }.min { EditDistance.between($0, name) < EditDistance.between($1, name) }
    }

    /// Parameter counts of the subtree, each shared parameter counted once.
    public func parameterCounts() -> (trainable: Int, total: Int) {
        namedParameters().reduce(into: (0, 0)) { counts, entry in
            counts.1 += entry.parameter.count
            if entry.parameter.requiresGrad { counts.0 += entry.parameter.count }
        }
    }

    /// Puts the subtree in training (dropout on) or evaluation mode, as `train()` / `eval()`.
    public func setTraining(_ training: Bool) {
        for (_, module) in namedModules() { module.isTraining = training }
    }
}

/// A module that maps a tensor to a tensor (Linear, Conv1D, a norm, dropout, an adapter around one
/// of them). Tuners replace one of these with another.
public protocol TensorLayer: Module {
    func forward(_ x: Tensor) throws -> Tensor
}

/// A module that maps token ids to vectors (an embedding, or an adapter around one).
public protocol TokenLayer: Module {
    /// The vectors of `ids`, shape `shape + [dimension]`.
    func forward(ids: [Int], shape: [Int]) throws -> Tensor
}
