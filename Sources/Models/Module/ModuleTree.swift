/// A printable outline of a module tree, like `print(model)` but compact: each line shows a module's
/// name, class, weight shapes and parameter count, and runs of structurally identical siblings
/// (the transformer blocks) fold into one entry such as `layers.0-31 (×32)`.
public struct ModuleTree {
    /// One line of the outline.
    public struct Line: Sendable, Equatable {
        /// Nesting depth (0 for the root).
        public var depth: Int
        /// The name shown (`q_proj`, `layers.0-31 (×32)`).
        public var label: String
        /// The full name of the module the line stands for (the first of a folded run).
        public var path: String
        public var typeName: String
        /// Own weight shapes, e.g. `weight [32, 64], bias [32]`.
        public var shapes: String
        /// Parameters of the subtree (of one member, for a folded run).
        public var parameterCount: Int
        /// How many identical siblings the line stands for (1 when not folded).
        public var repeats: Int
    }

    public let lines: [Line]

    /// The outline of `root`, down to `maxDepth` levels below it (nil: all). Identical numbered
    /// blocks of a module list are folded into one line when `folds` says so for the list's path.
    public init(_ root: Module, rootName: String = "", maxDepth: Int? = nil, folds: (String) -> Bool = { _ in true }) {
        var lines: [Line] = []
        func visit(_ module: Module, label: String, path: String, depth: Int, repeats: Int) {
            lines.append(Line(depth: depth, label: label, path: path, typeName: module.typeName,
                              shapes: module.parameters.map { "\($0.name) \($0.parameter.shape)" }.joined(separator: ", "),
                              parameterCount: module.parameterCounts().total, repeats: repeats))
            guard maxDepth.map({ depth < $0 }) ?? true else { return }
            visitChildren(of: module, labelPrefix: "", path: path, depth: depth + 1)
        }
        /// A ModuleList has no line of its own: its members appear as `layers.0`, `layers.1-31 (×31)`.
        func visitChildren(of module: Module, labelPrefix: String, path: String, depth: Int) {
            let children = module.children
            var index = 0
            while index < children.count {
                let (name, child) = children[index]
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                if child is ModuleList {
                    visitChildren(of: child, labelPrefix: "\(labelPrefix)\(name).", path: childPath, depth: depth)
                    index += 1
                    continue
                }
                var end = index + 1
                let signature = Self.signature(child)
                if Int(name) != nil, folds(path) {
                    while end < children.count, Int(children[end].name) != nil, Self.signature(children[end].module) == signature { end += 1 }
                }
                let run = end - index
                let label = labelPrefix + (run > 1 ? "\(name)-\(children[end - 1].name) (×\(run))" : name)
                visit(child, label: label, path: childPath, depth: depth, repeats: run)
                index = end
            }
        }
        visit(root, label: rootName, path: "", depth: 0, repeats: 1)
        self.lines = lines
    }

    /// A structural fingerprint: class, parameter shapes and children, recursively.
    static func signature(_ module: Module) -> String {
        let own = module.parameters.map { "\($0.name)\($0.parameter.shape)" }.joined(separator: ",")
        let children = module.children.map { "\($0.name)=\(signature($0.module))" }.joined(separator: ";")
        return "\(module.typeName)(\(own))[\(children)]"
    }

    /// The outline as text with tree-drawing characters, folded lines showing the count of one member.
    public func rendered() -> String {
        lines.map { line in
            let indent = String(repeating: "  ", count: line.depth)
            var text = indent + (line.label.isEmpty ? line.typeName : "\(line.label)  \(line.typeName)")
            if !line.shapes.isEmpty { text += "  " + line.shapes }
            text += "  " + Self.grouped(line.parameterCount) + (line.repeats > 1 ? " each" : "")
            return text
        }.joined(separator: "\n")
    }

    /// `1234567` as `1,234,567`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
