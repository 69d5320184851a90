/// The parsed form of a template: statements (nodes) and expressions.
indirect enum Expression {
    case literal(Value)
    case name(String)
    case list([Expression])
    case tuple([Expression])
    case dictionary([(Expression, Expression)])
    /// `object.name`
    case attribute(Expression, String)
    /// `object[index]`
    case item(Expression, Expression)
    /// `object[start:stop:step]`
    case slice(Expression, Expression?, Expression?, Expression?)
    case call(Expression, [Expression], [(String, Expression)])
    /// `value | name(arguments)`
    case filter(Expression, String, [Expression], [(String, Expression)])
    /// `value is [not] name(arguments)`
    case test(Expression, String, [Expression], negated: Bool)
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case not(Expression)
    /// A chain of comparisons, `a < b <= c`.
    case compare(Expression, [(String, Expression)])
    /// `then if condition else otherwise`
    case conditional(condition: Expression, then: Expression, otherwise: Expression?)
}

/// What a `{% set %}` or a `{% for %}` assigns to.
enum AssignmentTarget {
    case name(String)
    case names([String])
    /// `namespace.attribute`
    case attribute(String, String)
}

/// A part of a template.
indirect enum Node {
    case text(String)
    case output(Expression)
    case ifChain([(Expression, [Node])], otherwise: [Node])
    case forLoop(target: AssignmentTarget, iterable: Expression, condition: Expression?, body: [Node], otherwise: [Node])
    case set(AssignmentTarget, Expression)
    case setBlock(AssignmentTarget, [Node])
    case macro(name: String, parameters: [(String, Expression?)], body: [Node])
    /// `{% call macro(args) %}body{% endcall %}`: the body is the macro's `caller()`.
    case callBlock(Expression, body: [Node])
    case filterBlock(String, [Expression], body: [Node])
    /// transformers' `{% generation %}` block: its output is the assistant's part.
    case generation([Node])
    case breakLoop
    case continueLoop
}
