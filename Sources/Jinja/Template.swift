import Foundation

/// A Jinja template as transformers renders chat templates: Jinja2's sandboxed environment with
/// `trim_blocks` and `lstrip_blocks`, the `loopcontrols` extension (`break`, `continue`),
/// transformers' `{% generation %}` blocks, and the globals `raise_exception`, `strftime_now`,
/// `namespace`, `dict` and `range`.
public struct Template {
    private let nodes: [Node]

    /// What rendering gave: the text, and the code-point spans of it written inside
    /// `{% generation %}` blocks.
    public struct Rendered: Equatable {
        public let text: String
        public let generationSpans: [Range<Int>]
    }

    /// Parses `source`; a syntax error names its line.
    public init(_ source: String) throws {
        nodes = try Parser.parse(source)
    }

    /// Whether the template has a `{% generation %}` block anywhere.
    public var hasGenerationBlock: Bool {
        func contains(_ nodes: [Node]) -> Bool {
            nodes.contains { node in
                switch node {
                case .generation: return true
                case let .ifChain(branches, otherwise): return branches.contains { contains($0.1) } || contains(otherwise)
                case let .forLoop(_, _, _, body, otherwise): return contains(body) || contains(otherwise)
                case let .setBlock(_, body), let .macro(_, _, body), let .callBlock(_, body), let .filterBlock(_, _, body): return contains(body)
                default: return false
                }
            }
        }
        return contains(nodes)
    }

    /// Renders with `variables` (and the globals, which a variable of the same name hides).
    public func render(_ variables: [String: Value]) throws -> Rendered {
        let interpreter = Interpreter(globals: Self.globals.merging(variables) { _, given in given })
        let text = try interpreter.render(nodes)
        return Rendered(text: text, generationSpans: interpreter.generationSpans)
    }

    private static let globals: [String: Value] = [
        "raise_exception": .function(Value.Function(name: "raise_exception") { arguments, _ in
            throw TemplateError.raised(message: arguments.first?.text ?? "")
        }),
        "strftime_now": .function(Value.Function(name: "strftime_now") { arguments, _ in
            .string(strftime(arguments.first?.text ?? "", Date()))
        }),
        "namespace": .function(Value.Function(name: "namespace") { arguments, keywords in
            var attributes = Value.Dictionary()
            if case let .object(initial)? = arguments.first { attributes = initial }
            for (key, value) in keywords {
                guard !key.hasPrefix("_") else { throw TemplateError.runtime(message: "namespace attribute '\(key)' is unsafe") }
                attributes[key] = value
            }
            return .namespace(Value.Namespace(attributes))
        }),
        "dict": .function(Value.Function(name: "dict") { arguments, keywords in
            var dictionary = Value.Dictionary()
            if case let .object(initial)? = arguments.first { dictionary = initial }
            for (key, value) in keywords { dictionary[key] = value }
            return .object(dictionary)
        }),
        "range": .function(Value.Function(name: "range") { arguments, _ in
            let bounds = try arguments.map { argument -> Int in
                guard let integer = argument.integer else { throw TemplateError.runtime(message: "range needs integers") }
                return integer
            }
            let (start, stop, step): (Int, Int, Int)
            switch bounds.count {
            case 1: (start, stop, step) = (0, bounds[0], 1)
            case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
            case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
            default: throw TemplateError.runtime(message: "range takes one to three integers")
            }
            guard step != 0 else { throw TemplateError.runtime(message: "range step cannot be zero") }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard count <= 1_000_000 else { throw TemplateError.runtime(message: "range of \(count) items is too long") }
            return .array(Swift.stride(from: start, to: stop, by: step).map(Value.int))
        }),
    ]

    /// C's `strftime` with the local time.
    private static func strftime(_ format: String, _ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&time, &parts)
        var buffer = [Int8](repeating: 0, count: 256)
        let length = Foundation.strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
