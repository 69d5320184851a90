/// Parses a template's pieces into nodes, and the tokens inside tags into expressions, with
/// Jinja's grammar and operator precedence (`|` and `is` bind tighter than any operator).
struct Parser {
    private let pieces: [TemplateLexer.Piece]
    private var index = 0
    /// Expression tokens of the tag being parsed.
    private var tokens: [ExpressionToken] = []
    private var position = 0
    private var line = 1
    /// Nesting of blocks and expressions, bounded so that no input can exhaust the stack.
    private var depth = 0
    private static let maximumDepth = 200

    static func parse(_ source: String) throws -> [Node] {
        var parser = Parser(pieces: try TemplateLexer.pieces(of: source))
        let (nodes, end) = try parser.nodes(until: [])
        if let end { throw TemplateError.syntax(message: "unexpected {% \(end) %}", line: parser.line) }
        return nodes
    }

    private init(pieces: [TemplateLexer.Piece]) {
        self.pieces = pieces
    }

    private func fail(_ message: String) -> TemplateError {
        .syntax(message: message, line: line)
    }

    // MARK: Statements

    /// Nodes up to a statement whose keyword is in `ends` (returned, its tokens left to read), or
    /// the end of the template (`nil`).
    private mutating func nodes(until ends: Set<String>) throws -> ([Node], String?) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw fail("blocks nested too deeply") }
        var nodes: [Node] = []
        while index < pieces.count {
            let piece = pieces[index]
            index += 1
            switch piece {
            case let .text(text):
                nodes.append(.text(text))
            case let .output(source, line):
                try begin(source, line: line)
                let expression = try parseExpression()
                try finishTag()
                nodes.append(.output(expression))
            case let .statement(source, line):
                try begin(source, line: line)
                guard case let .name(keyword)? = next() else { throw fail("expected a statement name") }
                if ends.contains(keyword) { return (nodes, keyword) }
                nodes.append(try statement(keyword))
            }
        }
        return (nodes, nil)
    }

    private mutating func statement(_ keyword: String) throws -> Node {
        switch keyword {
        case "if": return try ifStatement()
        case "for": return try forStatement()
        case "set": return try setStatement()
        case "macro": return try macroStatement()
        case "call":
            let call = try parseExpression()
            try finishTag()
            return .callBlock(call, body: try body(ending: "endcall"))
        case "filter":
            guard case let .name(name)? = next() else { throw fail("expected a filter name") }
            let arguments = try skip("(") ? try callArguments().positional : []
            try finishTag()
            return .filterBlock(name, arguments, body: try body(ending: "endfilter"))
        case "generation":
            try finishTag()
            return .generation(try body(ending: "endgeneration"))
        case "break":
            try finishTag()
            return .breakLoop
        case "continue":
            try finishTag()
            return .continueLoop
        default:
            throw fail("unknown statement \"\(keyword)\" (supported: if, for, set, macro, call, filter, generation, break, continue, raw)")
        }
    }

    /// The nodes up to `{% end %}`, whose tag must hold nothing else.
    private mutating func body(ending end: String) throws -> [Node] {
        let (nodes, found) = try self.nodes(until: [end])
        guard found == end else { throw fail("missing {% \(end) %}") }
        try finishTag()
        return nodes
    }

    private mutating func ifStatement() throws -> Node {
        var branches: [(Expression, [Node])] = []
        var condition = try parseExpression()
        try finishTag()
        while true {
            let (nodes, end) = try self.nodes(until: ["elif", "else", "endif"])
            branches.append((condition, nodes))
            switch end {
            case "elif":
                condition = try parseExpression()
                try finishTag()
            case "else":
                try finishTag()
                let otherwise = try body(ending: "endif")
                return .ifChain(branches, otherwise: otherwise)
            case "endif":
                try finishTag()
                return .ifChain(branches, otherwise: [])
            default:
                throw fail("missing {% endif %}")
            }
        }
    }

    private mutating func forStatement() throws -> Node {
        let target = try assignmentTarget(allowAttribute: false)
        guard case .name("in")? = next() else { throw fail("expected 'in' in a for loop") }
        let iterable = try parseOr(allowConditional: false)
        var condition: Expression?
        if peek == .name("if") {
            position += 1
            condition = try parseExpression()
        }
        if peek == .name("recursive") { throw fail("recursive loops are not supported") }
        try finishTag()
        let (body, end) = try nodes(until: ["else", "endfor"])
        var otherwise: [Node] = []
        switch end {
        case "else":
            try finishTag()
            otherwise = try self.body(ending: "endfor")
        case "endfor":
            try finishTag()
        default:
            throw fail("missing {% endfor %}")
        }
        return .forLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise)
    }

    private mutating func setStatement() throws -> Node {
        let target = try assignmentTarget(allowAttribute: true)
        if try skip("=") {
            let value = try parseTupleOrExpression()
            try finishTag()
            return .set(target, value)
        }
        try finishTag()
        return .setBlock(target, try body(ending: "endset"))
    }

    private mutating func macroStatement() throws -> Node {
        guard case let .name(name)? = next() else { throw fail("expected a macro name") }
        try expect("(")
        var parameters: [(String, Expression?)] = []
        while !(try skip(")")) {
            guard case let .name(parameter)? = next() else { throw fail("expected a parameter name") }
            parameters.append((parameter, try skip("=") ? try parseExpression() : nil))
            if !(try skip(",")) {
                try expect(")")
                break
            }
        }
        try finishTag()
        return .macro(name: name, parameters: parameters, body: try body(ending: "endmacro"))
    }

    private mutating func assignmentTarget(allowAttribute: Bool) throws -> AssignmentTarget {
        guard case let .name(first)? = next() else { throw fail("expected a name to assign to") }
        if allowAttribute && peek == .symbol(".") {
            position += 1
            guard case let .name(attribute)? = next() else { throw fail("expected an attribute name") }
            return .attribute(first, attribute)
        }
        var names = [first]
        while peek == .symbol(",") {
            position += 1
            guard case let .name(name)? = next() else { throw fail("expected a name to assign to") }
            names.append(name)
        }
        return names.count == 1 ? .name(first) : .names(names)
    }

    // MARK: Tokens

    private mutating func begin(_ source: String, line: Int) throws {
        self.line = line
        tokens = try ExpressionLexer.tokens(of: source, line: line)
        position = 0
    }

    private mutating func finishTag() throws {
        guard position == tokens.count else { throw fail("unexpected \(describe(tokens[position])) in the tag") }
    }

    private var peek: ExpressionToken? { position < tokens.count ? tokens[position] : nil }

    private mutating func next() -> ExpressionToken? {
        defer { position += 1 }
        return peek
    }

    private mutating func skip(_ symbol: String) throws -> Bool {
        guard peek == .symbol(symbol) else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ symbol: String) throws {
        guard try skip(symbol) else {
            throw fail("expected '\(symbol)'" + (peek.map { ", found \(describe($0))" } ?? " at the end of the tag"))
        }
    }

    private func describe(_ token: ExpressionToken) -> String {
        switch token {
        case let .name(name): return "'\(name)'"
        case let .string(string): return "string \(Value.pythonQuoted(string))"
        case let .int(value): return "\(value)"
        case let .double(value): return "\(value)"
        case let .symbol(symbol): return "'\(symbol)'"
        }
    }

    // MARK: Expressions

    private mutating func nested<T>(_ parse: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw fail("expression nested too deeply") }
        return try parse(&self)
    }

    /// An expression, or a tuple of them without parentheses (`a, b`).
    private mutating func parseTupleOrExpression() throws -> Expression {
        let first = try parseExpression()
        guard peek == .symbol(",") else { return first }
        var items = [first]
        while try skip(",") {
            if peek == nil { break }
            items.append(try parseExpression())
        }
        return .tuple(items)
    }

    mutating func parseExpression() throws -> Expression {
        try nested { try $0.parseOr(allowConditional: true) }
    }

    /// `a if b else c` sits above `or`; a for loop's iterable takes none (its `if` filters).
    private mutating func parseOr(allowConditional: Bool) throws -> Expression {
        var left = try parseAnd()
        while peek == .name("or") {
            position += 1
            left = .or(left, try parseAnd())
        }
        guard allowConditional else { return left }
        while peek == .name("if") {
            position += 1
            let condition = try parseOr(allowConditional: false)
            var otherwise: Expression?
            if peek == .name("else") {
                position += 1
                otherwise = try nested { try $0.parseOr(allowConditional: true) }
            }
            left = .conditional(condition: condition, then: left, otherwise: otherwise)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while peek == .name("and") {
            position += 1
            left = .and(left, try parseNot())
        }
        return left
    }

    private mutating func parseNot() throws -> Expression {
        if peek == .name("not") {
            position += 1
            return .not(try nested { try $0.parseNot() })
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expression {
        let first = try parseAdditive()
        var chain: [(String, Expression)] = []
        while true {
            if case let .symbol(symbol)? = peek, ["==", "!=", "<", "<=", ">", ">="].contains(symbol) {
                position += 1
                chain.append((symbol, try parseAdditive()))
            } else if peek == .name("in") {
                position += 1
                chain.append(("in", try parseAdditive()))
            } else if peek == .name("not"), position + 1 < tokens.count, tokens[position + 1] == .name("in") {
                position += 2
                chain.append(("not in", try parseAdditive()))
            } else {
                break
            }
        }
        return chain.isEmpty ? first : .compare(first, chain)
    }

    private mutating func parseAdditive() throws -> Expression {
        var left = try parseConcat()
        while case let .symbol(symbol)? = peek, symbol == "+" || symbol == "-" {
            position += 1
            left = .binary(symbol, left, try parseConcat())
        }
        return left
    }

    private mutating func parseConcat() throws -> Expression {
        var left = try parseMultiplicative()
        while try skip("~") {
            left = .binary("~", left, try parseMultiplicative())
        }
        return left
    }

    private mutating func parseMultiplicative() throws -> Expression {
        var left = try parsePower()
        while case let .symbol(symbol)? = peek, ["*", "/", "//", "%"].contains(symbol) {
            position += 1
            left = .binary(symbol, left, try parsePower())
        }
        return left
    }

    private mutating func parsePower() throws -> Expression {
        var left = try parseUnary(withFilters: true)
        while try skip("**") {
            left = .binary("**", left, try parseUnary(withFilters: true))
        }
        return left
    }

    private mutating func parseUnary(withFilters: Bool) throws -> Expression {
        var expression: Expression
        if case let .symbol(symbol)? = peek, symbol == "-" || symbol == "+" {
            position += 1
            expression = .unary(symbol, try nested { try $0.parseUnary(withFilters: false) })
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        return withFilters ? try parseFilters(expression) : expression
    }

    private mutating func parsePrimary() throws -> Expression {
        guard let token = next() else { throw fail("expected an expression at the end of the tag") }
        switch token {
        case let .name(name):
            switch name {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(name)
            }
        case var .string(string):
            while case let .string(more)? = peek {
                string += more
                position += 1
            }
            return .literal(.string(string))
        case let .int(value): return .literal(.int(value))
        case let .double(value): return .literal(.double(value))
        case .symbol("("):
            if try skip(")") { return .tuple([]) }
            let first = try parseExpression()
            if try skip(")") { return first }
            var items = [first]
            while try skip(",") {
                if peek == .symbol(")") { break }
                items.append(try parseExpression())
            }
            try expect(")")
            return .tuple(items)
        case .symbol("["):
            var items: [Expression] = []
            while !(try skip("]")) {
                items.append(try parseExpression())
                if !(try skip(",")) {
                    try expect("]")
                    break
                }
            }
            return .list(items)
        case .symbol("{"):
            var members: [(Expression, Expression)] = []
            while !(try skip("}")) {
                let key = try parseExpression()
                try expect(":")
                members.append((key, try parseExpression()))
                if !(try skip(",")) {
                    try expect("}")
                    break
                }
            }
            return .dictionary(members)
        default:
            throw fail("unexpected \(describe(token))")
        }
    }

    private mutating func parsePostfix(_ base: Expression) throws -> Expression {
        var expression = base
        while true {
            if try skip(".") {
                switch next() {
                case let .name(name)?: expression = .attribute(expression, name)
                case let .int(index)?: expression = .item(expression, .literal(.int(index)))
                default: throw fail("expected an attribute name after '.'")
                }
            } else if try skip("[") {
                expression = try subscriptExpression(of: expression)
            } else if try skip("(") {
                let arguments = try callArguments()
                expression = .call(expression, arguments.positional, arguments.keyword)
            } else {
                return expression
            }
        }
    }

    private mutating func subscriptExpression(of base: Expression) throws -> Expression {
        var parts: [Expression?] = [nil]
        var isSlice = false
        while !(try skip("]")) {
            if try skip(":") {
                isSlice = true
                parts.append(nil)
                guard parts.count <= 3 else { throw fail("a slice has at most three parts") }
                continue
            }
            guard parts[parts.count - 1] == nil else { throw fail("expected ']' or ':' in a subscript") }
            parts[parts.count - 1] = try parseExpression()
        }
        if !isSlice {
            guard let index = parts[0] else { throw fail("expected an index in '[]'") }
            return .item(base, index)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, parts[0], parts[1], parts[2])
    }

    /// Arguments after `(` up to and including `)`.
    private mutating func callArguments() throws -> (positional: [Expression], keyword: [(String, Expression)]) {
        var positional: [Expression] = []
        var keyword: [(String, Expression)] = []
        while !(try skip(")")) {
            if case let .name(name)? = peek, position + 1 < tokens.count, tokens[position + 1] == .symbol("=") {
                position += 2
                keyword.append((name, try parseExpression()))
            } else {
                guard keyword.isEmpty else { throw fail("a positional argument follows a keyword argument") }
                positional.append(try parseExpression())
            }
            if !(try skip(",")) {
                try expect(")")
                break
            }
        }
        return (positional, keyword)
    }

    private mutating func parseFilters(_ base: Expression) throws -> Expression {
        var expression = base
        while true {
            if try skip("|") {
                guard case var .name(name)? = next() else { throw fail("expected a filter name after '|'") }
                while try skip(".") {
                    guard case let .name(part)? = next() else { throw fail("expected a filter name") }
                    name += "." + part
                }
                let arguments = try skip("(") ? try callArguments() : (positional: [], keyword: [])
                expression = .filter(expression, name, arguments.positional, arguments.keyword)
            } else if peek == .name("is") {
                position += 1
                let negated = peek == .name("not")
                if negated { position += 1 }
                guard case let .name(name)? = next() else { throw fail("expected a test name after 'is'") }
                var arguments: [Expression] = []
                if try skip("(") {
                    arguments = try callArguments().positional
                } else if let token = peek, startsTestArgument(token) {
                    arguments = [try parsePostfix(try parsePrimary())]
                }
                expression = .test(expression, name, arguments, negated: negated)
            } else if try skip("(") {
                let arguments = try callArguments()
                expression = .call(expression, arguments.positional, arguments.keyword)
            } else {
                return expression
            }
        }
    }

    /// Whether `token` starts the single argument of a test written without parentheses
    /// (`is divisibleby 3`, `is sameas none`).
    private func startsTestArgument(_ token: ExpressionToken) -> Bool {
        switch token {
        case let .name(name): return !["else", "or", "and", "if", "in", "not", "is"].contains(name)
        case .string, .int, .double: return true
        case let .symbol(symbol): return symbol == "[" || symbol == "{"
        }
    }
}
