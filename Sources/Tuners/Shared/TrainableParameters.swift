import Foundation
import Models

/// Parameter counts of an adapted model as PEFT's `get_nb_trainable_parameters` returns them, and the
/// line `print_trainable_parameters` prints.
public struct TrainableParameterCounts: Equatable, Sendable {
    public var trainable: Int
    public var total: Int

    public init(trainable: Int, total: Int) {
        self.trainable = trainable
        self.total = total
    }

    /// `trainable params: 1,234 || all params: 56,789 || trainable%: 2.1731`, exactly PEFT's format.
    public var summary: String {
        let percent = total == 0 ? 0 : 100 * Double(trainable) / Double(total)
        return "trainable params: \(ModuleTree.grouped(trainable)) || all params: \(ModuleTree.grouped(total)) || trainable%: \(String(format: "%.4f", percent))"
    }
}
