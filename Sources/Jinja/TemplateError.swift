/// An error from a Jinja template: it does not parse, it fails while rendering (an undefined
/// value used, a type mismatch), or it called `raise_exception`.
public enum TemplateError: Error, Equatable, CustomStringConvertible {
    /// The template source is not valid Jinja; `line` is 1-based.
    case syntax(message: String, line: Int)
    /// Rendering failed.
    case runtime(message: String)
    /// The template called `raise_exception(message)`.
    case raised(message: String)

    public var description: String {
        switch self {
        case let .syntax(message, line): return "template syntax error on line \(line): \(message)"
        case let .runtime(message): return "template error: \(message)"
        case let .raised(message): return message
        }
    }
}
