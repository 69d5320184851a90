/// Renders parsed nodes: Jinja's scoping (a `for` iteration and a macro call have scopes of their
/// own, `if` does not; a `namespace()` is shared), undefined values, loop variables, macros, and
/// the spans written by `{% generation %}` blocks.
final class Interpreter {
    /// Variables visible in one scope; lookups go outwards through `parent`.
    final class Scope {
        var variables: [String: Value] = [:]
        let parent: Scope?

        init(parent: Scope?) {
            self.parent = parent
        }

        func lookup(_ name: String) -> Value? {
            var scope: Scope? = self
            while let current = scope {
                if let value = current.variables[name] { return value }
                scope = current.parent
            }
            return nil
        }
    }

    /// How a run of nodes ended.
    enum Flow {
        case normal, breakLoop, continueLoop
    }

    private let root: Scope
    private var output = ""
    /// `output`'s length in code points (Python string indices).
    private var outputLength = 0
    /// Nesting of captures (macro calls, set blocks): their output is not the template's.
    private var captureDepth = 0
    private var callDepth = 0
    /// Work done, bounded so that no template runs for ever.
    private var steps = 0
    private(set) var generationSpans: [Range<Int>] = []

    private static let maximumCallDepth = 100
    private static let maximumSteps = 1_000_000

    init(globals: [String: Value]) {
        root = Scope(parent: nil)
        root.variables = globals
    }

    /// Renders `nodes` and returns the text.
    func render(_ nodes: [Node]) throws -> String {
        _ = try run(nodes, in: root)
        return output
    }

    private func write(_ text: String) throws {
        output += text
        outputLength += text.unicodeScalars.count
        guard output.utf8.count <= Value.maximumLength else { throw Value.tooLong() }
    }

    private func step() throws {
        steps += 1
        guard steps <= Self.maximumSteps else { throw TemplateError.runtime(message: "the template does too much work") }
    }

    /// The output of `body`, rendered apart from the template's output.
    private func capture(_ body: () throws -> Void) throws -> String {
        let saved = (output, outputLength)
        output = ""
        outputLength = 0
        captureDepth += 1
        defer {
            captureDepth -= 1
            (output, outputLength) = saved
        }
        try body()
        return output
    }

    // MARK: Nodes

    private func run(_ nodes: [Node], in scope: Scope) throws -> Flow {
        for node in nodes {
            try step()
            switch node {
            case let .text(text):
                try write(text)
            case let .output(expression):
                try write(try evaluate(expression, in: scope).text)
            case let .ifChain(branches, otherwise):
                var taken: [Node] = otherwise
                for (condition, body) in branches where try evaluate(condition, in: scope).isTruthy {
                    taken = body
                    break
                }
                let flow = try run(taken, in: scope)
                if flow != .normal { return flow }
            case let .forLoop(target, iterable, condition, body, otherwise):
                try runLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, in: scope)
            case let .set(target, expression):
                try assign(try evaluate(expression, in: scope), to: target, in: scope)
            case let .setBlock(target, body):
                let text = try capture { _ = try run(body, in: scope) }
                try assign(.string(text), to: target, in: scope)
            case let .macro(name, parameters, body):
                scope.variables[name] = .function(macro(name: name, parameters: parameters, body: body, caller: nil))
            case let .callBlock(call, body):
                let caller = Value.Function(name: "caller") { [unowned self] _, _ in
                    .string(try self.capture { _ = try self.run(body, in: Scope(parent: scope)) })
                }
                let callScope = Scope(parent: scope)
                callScope.variables["caller"] = .function(caller)
                try write(try evaluate(call, in: callScope).text)
            case let .filterBlock(name, arguments, body):
                let text = try capture { _ = try run(body, in: scope) }
                let values = try arguments.map { try evaluate($0, in: scope) }
                try write(try applyFilter(name, to: .string(text), arguments: values, keywords: []).text)
            case let .generation(body):
                let start = outputLength
                let flow = try run(body, in: scope)
                if captureDepth == 0 { generationSpans.append(start..<outputLength) }
                if flow != .normal { return flow }
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            }
        }
        return .normal
    }

    private func runLoop(target: AssignmentTarget, iterable: Expression, condition: Expression?, body: [Node],
                         otherwise: [Node], in scope: Scope) throws {
        var items = try iterate(try evaluate(iterable, in: scope))
        if let condition {
            items = try items.filter { item in
                let filterScope = Scope(parent: scope)
                try assign(item, to: target, in: filterScope)
                return try evaluate(condition, in: filterScope).isTruthy
            }
        }
        if items.isEmpty {
            _ = try run(otherwise, in: scope)
            return
        }
        for (index, item) in items.enumerated() {
            try step()
            let iteration = Scope(parent: scope)
            try assign(item, to: target, in: iteration)
            iteration.variables["loop"] = loopObject(index: index, items: items)
            if try run(body, in: iteration) == .breakLoop { break }
        }
    }

    /// Jinja's `loop` variable for item `index` of `items`.
    private func loopObject(index: Int, items: [Value]) -> Value {
        let count = items.count
        var loop = Value.Dictionary([
            ("index", .int(index + 1)), ("index0", .int(index)), ("revindex", .int(count - index)),
            ("revindex0", .int(count - index - 1)), ("first", .bool(index == 0)), ("last", .bool(index == count - 1)),
            ("length", .int(count)), ("depth", .int(1)), ("depth0", .int(0)),
            ("previtem", index > 0 ? items[index - 1] : .undefined("loop.previtem")),
            ("nextitem", index + 1 < count ? items[index + 1] : .undefined("loop.nextitem")),
        ])
        loop["cycle"] = .function(Value.Function(name: "loop.cycle") { arguments, _ in
            guard !arguments.isEmpty else { throw TemplateError.runtime(message: "loop.cycle needs at least one value") }
            return arguments[index % arguments.count]
        })
        return .object(loop)
    }

    private func assign(_ value: Value, to target: AssignmentTarget, in scope: Scope) throws {
        switch target {
        case let .name(name):
            scope.variables[name] = value
        case let .names(names):
            let items = try iterate(value)
            guard items.count == names.count else {
                throw TemplateError.runtime(message: "cannot unpack \(items.count) values into \(names.count) names")
            }
            for (name, item) in zip(names, items) { scope.variables[name] = item }
        case let .attribute(name, attribute):
            guard case let .namespace(namespace)? = scope.lookup(name) else {
                throw TemplateError.runtime(message: "cannot assign attribute '\(attribute)' on '\(name)', which is not a namespace")
            }
            namespace.attributes[attribute] = value
        }
    }

    private func macro(name: String, parameters: [(String, Expression?)], body: [Node], caller: Value?) -> Value.Function {
        Value.Function(name: name) { [unowned self] arguments, keywords in
            guard arguments.count <= parameters.count else {
                throw TemplateError.runtime(message: "macro '\(name)' takes \(parameters.count) arguments, \(arguments.count) given")
            }
            self.callDepth += 1
            defer { self.callDepth -= 1 }
            guard self.callDepth <= Self.maximumCallDepth else { throw TemplateError.runtime(message: "macro calls nested too deeply") }
            let scope = Scope(parent: self.root)
            for (index, (parameter, defaultValue)) in parameters.enumerated() {
                if index < arguments.count {
                    scope.variables[parameter] = arguments[index]
                } else if let keyword = keywords.first(where: { $0.0 == parameter }) {
                    scope.variables[parameter] = keyword.1
                } else if let defaultValue {
                    scope.variables[parameter] = try self.evaluate(defaultValue, in: scope)
                } else {
                    scope.variables[parameter] = .undefined(parameter)
                }
            }
            if let unknown = keywords.first(where: { keyword in !parameters.contains { $0.0 == keyword.0 } }) {
                throw TemplateError.runtime(message: "macro '\(name)' has no parameter '\(unknown.0)'")
            }
            return .string(try self.capture { _ = try self.run(body, in: scope) })
        }
    }

    // MARK: Expressions

    func evaluate(_ expression: Expression, in scope: Scope) throws -> Value {
        switch expression {
        case let .literal(value):
            return value
        case let .name(name):
            return scope.lookup(name) ?? .undefined(name)
        case let .list(items):
            return .array(try items.map { try evaluate($0, in: scope) })
        case let .tuple(items):
            return .array(try items.map { try evaluate($0, in: scope) })
        case let .dictionary(members):
            var dictionary = Value.Dictionary()
            for (key, value) in members {
                guard case let .string(name) = try evaluate(key, in: scope) else {
                    throw TemplateError.runtime(message: "dictionary keys must be strings")
                }
                dictionary[name] = try evaluate(value, in: scope)
            }
            return .object(dictionary)
        case let .attribute(base, name):
            return try attribute(name, of: try evaluate(base, in: scope))
        case let .item(base, index):
            return try item(try evaluate(index, in: scope), of: try evaluate(base, in: scope))
        case let .slice(base, start, stop, stride):
            return try slice(try evaluate(base, in: scope), start: try start.map { try evaluate($0, in: scope) },
                             stop: try stop.map { try evaluate($0, in: scope) }, step: try stride.map { try evaluate($0, in: scope) })
        case let .call(callee, arguments, keywords):
            let function = try evaluate(callee, in: scope)
            guard case let .function(body) = function else {
                if case let .undefined(name) = function { throw TemplateError.runtime(message: "'\(name)' is undefined") }
                throw TemplateError.runtime(message: "'\(function.typeName)' object is not callable")
            }
            return try body.call(try arguments.map { try evaluate($0, in: scope) }, try keywords.map { ($0.0, try evaluate($0.1, in: scope)) })
        case let .filter(base, name, arguments, keywords):
            return try applyFilter(name, to: try evaluate(base, in: scope), arguments: try arguments.map { try evaluate($0, in: scope) },
                                   keywords: try keywords.map { ($0.0, try evaluate($0.1, in: scope)) })
        case let .test(base, name, arguments, negated):
            let result = try applyTest(name, to: try evaluate(base, in: scope), arguments: try arguments.map { try evaluate($0, in: scope) })
            return .bool(result != negated)
        case let .unary(op, operand):
            let value = try evaluate(operand, in: scope)
            if let integer = value.integer {
                guard op == "-" else { return .int(integer) }
                guard integer != .min else { throw TemplateError.runtime(message: "integer too large") }
                return .int(-integer)
            }
            guard let number = value.number else { throw TemplateError.runtime(message: "bad operand type for unary \(op): '\(value.typeName)'") }
            return .double(op == "-" ? -number : number)
        case let .binary(op, left, right):
            let a = try evaluate(left, in: scope), b = try evaluate(right, in: scope)
            if op == "~" { return .string(a.text + b.text) }
            return try Value.arithmetic(op, a, b)
        case let .and(left, right):
            let a = try evaluate(left, in: scope)
            return a.isTruthy ? try evaluate(right, in: scope) : a
        case let .or(left, right):
            let a = try evaluate(left, in: scope)
            return a.isTruthy ? a : try evaluate(right, in: scope)
        case let .not(operand):
            return .bool(!(try evaluate(operand, in: scope).isTruthy))
        case let .compare(first, chain):
            var left = try evaluate(first, in: scope)
            for (op, expression) in chain {
                let right = try evaluate(expression, in: scope)
                guard try compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .conditional(condition, then, otherwise):
            if try evaluate(condition, in: scope).isTruthy { return try evaluate(then, in: scope) }
            return try otherwise.map { try evaluate($0, in: scope) } ?? .undefined("conditional expression")
        }
    }

    private func compare(_ op: String, _ left: Value, _ right: Value) throws -> Bool {
        switch op {
        case "==": return Value.equal(left, right)
        case "!=": return !Value.equal(left, right)
        case "<": return try Value.compare(left, right) < 0
        case "<=": return try Value.compare(left, right) <= 0
        case ">": return try Value.compare(left, right) > 0
        case ">=": return try Value.compare(left, right) >= 0
        case "in": return try contains(right, left)
        default: return !(try contains(right, left))
        }
    }

    /// Python's `needle in container`.
    func contains(_ container: Value, _ needle: Value) throws -> Bool {
        switch container {
        case let .string(text):
            guard case let .string(part) = needle else { throw TemplateError.runtime(message: "'in <string>' requires a string, not \(needle.typeName)") }
            return Self.find(part, in: text) != nil
        case let .array(items): return items.contains { Value.equal($0, needle) }
        case let .object(dictionary):
            guard case let .string(key) = needle else { return false }
            return dictionary[key] != nil
        case let .undefined(name): throw TemplateError.runtime(message: "'\(name)' is undefined")
        default: throw TemplateError.runtime(message: "argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// The code-point index of the first occurrence of `part` in `text`.
    static func find(_ part: String, in text: String, from start: Int = 0) -> Int? {
        let haystack = Array(text.unicodeScalars), needle = Array(part.unicodeScalars)
        guard needle.count <= haystack.count else { return nil }
        guard !needle.isEmpty else { return min(start, haystack.count) }
        var index = max(start, 0)
        while index + needle.count <= haystack.count {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// The items a `for` loop (or a filter) walks: a list's items, a dict's keys, a string's characters.
    func iterate(_ value: Value) throws -> [Value] {
        switch value {
        case .undefined: return []
        case let .array(items): return items
        case let .object(dictionary): return dictionary.keys.map(Value.string)
        case let .string(text): return text.unicodeScalars.map { .string(String($0)) }
        default: throw TemplateError.runtime(message: "'\(value.typeName)' object is not iterable")
        }
    }

    /// `value.name`: a dict's item, a namespace's attribute, or a method.
    func attribute(_ name: String, of value: Value) throws -> Value {
        guard !name.hasPrefix("_") else { throw TemplateError.runtime(message: "access to attribute '\(name)' is unsafe") }
        switch value {
        case let .undefined(undefinedName):
            throw TemplateError.runtime(message: "'\(undefinedName)' is undefined")
        case let .object(dictionary):
            if let member = dictionary[name] { return member }
        case let .namespace(namespace):
            return namespace.attributes[name] ?? .undefined(name)
        default:
            break
        }
        return try method(name, of: value) ?? .undefined(name)
    }

    /// `value[index]`: a dict's item, a list's or a string's element (negative from the end).
    func item(_ index: Value, of value: Value) throws -> Value {
        switch (value, index) {
        case let (.undefined(name), _):
            throw TemplateError.runtime(message: "'\(name)' is undefined")
        case let (.object(dictionary), .string(key)):
            return dictionary[key] ?? .undefined(key)
        case let (.namespace(namespace), .string(key)):
            return namespace.attributes[key] ?? .undefined(key)
        case let (.array(items), _):
            guard let position = index.integer else { break }
            let resolved = position < 0 ? items.count + position : position
            return items.indices.contains(resolved) ? items[resolved] : .undefined("[\(position)]")
        case let (.string(text), _):
            guard let position = index.integer else { break }
            let scalars = Array(text.unicodeScalars)
            let resolved = position < 0 ? scalars.count + position : position
            return scalars.indices.contains(resolved) ? .string(String(scalars[resolved])) : .undefined("[\(position)]")
        case let (_, .string(name)):
            return try attribute(name, of: value)
        default:
            break
        }
        return .undefined("[\(index.repr)]")
    }

    /// Python's `value[start:stop:step]` on a list or a string.
    private func slice(_ value: Value, start: Value?, stop: Value?, step: Value?) throws -> Value {
        func bound(_ value: Value?) throws -> Int? {
            guard let value, !(value.isNone) else { return nil }
            guard let integer = value.integer else { throw TemplateError.runtime(message: "slice indices must be integers or None") }
            return integer
        }
        let stride = try bound(step) ?? 1
        guard stride != 0 else { throw TemplateError.runtime(message: "slice step cannot be zero") }
        func indices(count: Int) throws -> [Int] {
            func clamp(_ index: Int?, _ fallback: Int) -> Int {
                guard let index else { return fallback }
                let resolved = index < 0 ? index + count : index
                return stride > 0 ? min(max(resolved, 0), count) : min(max(resolved, -1), count - 1)
            }
            let first = clamp(try bound(start), stride > 0 ? 0 : count - 1)
            let last = clamp(try bound(stop), stride > 0 ? count : -1)
            return Array(Swift.stride(from: first, to: last, by: stride))
        }
        switch value {
        case let .array(items):
            return .array(try indices(count: items.count).map { items[$0] })
        case let .string(text):
            let scalars = Array(text.unicodeScalars)
            return .string(String(String.UnicodeScalarView(try indices(count: scalars.count).map { scalars[$0] })))
        case let .undefined(name):
            throw TemplateError.runtime(message: "'\(name)' is undefined")
        default:
            throw TemplateError.runtime(message: "'\(value.typeName)' object is not subscriptable")
        }
    }
}

extension Value {
    /// Whether the value is `none`.
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
