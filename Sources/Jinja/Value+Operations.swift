/// Python's equality, ordering and arithmetic on template values.
extension Value {
    /// A number as a double, with `bool` counting as 0 or 1 as in Python.
    var number: Double? {
        switch self {
        case let .int(value): return Double(value)
        case let .double(value): return value
        case let .bool(value): return value ? 1 : 0
        default: return nil
        }
    }

    /// An integer (`bool` counting as 0 or 1), or `nil`.
    var integer: Int? {
        switch self {
        case let .int(value): return value
        case let .bool(value): return value ? 1 : 0
        default: return nil
        }
    }

    /// Python's `==`.
    static func equal(_ left: Value, _ right: Value) -> Bool {
        switch (left, right) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count && a.members.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        case let (.namespace(a), .namespace(b)): return a === b
        case let (.function(a), .function(b)): return a === b
        default:
            if let a = left.integer, let b = right.integer { return a == b }
            if let a = left.number, let b = right.number { return a == b }
            return false
        }
    }

    /// Python's ordering (`<` is `compare < 0`); values of kinds Python does not order fail.
    static func compare(_ left: Value, _ right: Value) throws -> Int {
        switch (left, right) {
        case let (.string(a), .string(b)):
            if a.unicodeScalars.elementsEqual(b.unicodeScalars) { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        case let (.array(a), .array(b)):
            for (x, y) in zip(a, b) {
                let order = try compare(x, y)
                if order != 0 { return order }
            }
            return a.count == b.count ? 0 : a.count < b.count ? -1 : 1
        default:
            if let a = left.integer, let b = right.integer { return a == b ? 0 : a < b ? -1 : 1 }
            if let a = left.number, let b = right.number { return a == b ? 0 : a < b ? -1 : 1 }
            throw TemplateError.runtime(message: "'<' not supported between \(left.typeName) and \(right.typeName)")
        }
    }

    /// The longest string or list an operation may build, so that no template exhausts memory.
    static let maximumLength = 50_000_000

    /// Python's binary arithmetic operators `+ - * / // % **`.
    static func arithmetic(_ op: String, _ left: Value, _ right: Value) throws -> Value {
        func unsupported() -> TemplateError {
            if case let .undefined(name) = left { return .runtime(message: "'\(name)' is undefined") }
            if case let .undefined(name) = right { return .runtime(message: "'\(name)' is undefined") }
            return .runtime(message: "unsupported operand types for \(op): '\(left.typeName)' and '\(right.typeName)'")
        }
        switch (op, left, right) {
        case let ("+", .string(a), .string(b)):
            guard a.utf8.count + b.utf8.count <= maximumLength else { throw tooLong() }
            return .string(a + b)
        case let ("+", .array(a), .array(b)):
            guard a.count + b.count <= maximumLength else { throw tooLong() }
            return .array(a + b)
        case let ("*", .string(s), .int(n)), let ("*", .int(n), .string(s)):
            guard s.utf8.count.multipliedReportingOverflow(by: max(n, 0)).partialValue <= maximumLength, n < maximumLength else { throw tooLong() }
            return .string(String(repeating: s, count: max(n, 0)))
        case let ("*", .array(a), .int(n)), let ("*", .int(n), .array(a)):
            guard a.count.multipliedReportingOverflow(by: max(n, 0)).partialValue <= maximumLength, n < maximumLength else { throw tooLong() }
            return .array(Array([[Value]](repeating: a, count: max(n, 0)).joined()))
        default:
            break
        }
        if let a = left.integer, let b = right.integer, op != "/" {
            return try integerArithmetic(op, a, b, unsupported: unsupported)
        }
        guard let a = left.number, let b = right.number else { throw unsupported() }
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/":
            guard b != 0 else { throw TemplateError.runtime(message: "division by zero") }
            return .double(a / b)
        case "//":
            guard b != 0 else { throw TemplateError.runtime(message: "division by zero") }
            return .double((a / b).rounded(.down))
        case "%":
            guard b != 0 else { throw TemplateError.runtime(message: "modulo by zero") }
            let remainder = a.truncatingRemainder(dividingBy: b)
            return .double(remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder)
        case "**": return .double(Foundation.pow(a, b))
        default: throw unsupported()
        }
    }

    private static func integerArithmetic(_ op: String, _ a: Int, _ b: Int, unsupported: () -> TemplateError) throws -> Value {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Value {
            guard !result.overflow else { throw TemplateError.runtime(message: "integer too large") }
            return .int(result.partialValue)
        }
        switch op {
        case "+": return try checked(a.addingReportingOverflow(b))
        case "-": return try checked(a.subtractingReportingOverflow(b))
        case "*": return try checked(a.multipliedReportingOverflow(by: b))
        case "//", "%":
            guard b != 0 else { throw TemplateError.runtime(message: "integer division or modulo by zero") }
            guard !(a == .min && b == -1) else { throw TemplateError.runtime(message: "integer too large") }
            var quotient = a / b
            var remainder = a % b
            if remainder != 0 && (remainder < 0) != (b < 0) {
                quotient -= 1
                remainder += b
            }
            return .int(op == "//" ? quotient : remainder)
        case "**":
            guard b >= 0 else { return .double(Foundation.pow(Double(a), Double(b))) }
            var result = 1
            for _ in 0..<min(b, 64) {
                let product = result.multipliedReportingOverflow(by: a)
                guard !product.overflow else { throw TemplateError.runtime(message: "integer too large") }
                result = product.partialValue
            }
            if b > 64 && abs(a) > 1 { throw TemplateError.runtime(message: "integer too large") }
            if b > 64 && a == -1 { return .int(b % 2 == 0 ? 1 : -1) }
            return .int(result)
        default:
            throw unsupported()
        }
    }

    static func tooLong() -> TemplateError {
        .runtime(message: "the result would be longer than \(maximumLength) items")
    }
}

import Foundation
