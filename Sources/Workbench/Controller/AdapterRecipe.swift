/// How a combined, reduced or routed adapter was made: the line `adapter list` shows, and the
/// adapters (with weights) it came from, which the inspector compares it with.
public struct AdapterRecipe: CustomStringConvertible, Sendable {
    /// `svd of fortunes:0.7 definitions:0.3`.
    public let summary: String
    /// The inputs whose weighted sum the adapter stands for (none for an Arrow router).
    public let sources: [(adapter: String, weight: Double)]

    public var description: String { summary }
}
