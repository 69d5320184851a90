import Foundation

/// A run's `metrics.jsonl` as CSV for a spreadsheet or pandas: a row per step, with a column for each
/// number the steps report (loss, loss_ce, learning_rate, grad_norm, tokens/s, ...) and the
/// evaluation's numbers (eval_loss, perplexity, ...) on the rows of the steps they were made at.
/// Lines that are not JSON objects with an `event` and a `step` are skipped, so a run still being
/// written or a damaged file gives what can be read.
enum MetricsCSV {
    /// Columns shown first when present, in this order; any other number follows, by name.
    static let leading = ["loss", "loss_ce", "learning_rate", "grad_norm", "tokens_per_second", "epoch", "elapsed", "remaining", "total_steps",
                          "eval_loss", "perplexity", "accuracy"]

    /// The CSV text (a header line, then a line per step in step order).
    static func table(metrics text: String) -> String {
        var rows: [Int: [String: Double]] = [:]
        var columns = Set<String>()
        for line in text.split(separator: "\n") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let event = object["event"] as? String, event == "step" || event == "eval",
                  let step = (object["step"] as? NSNumber)?.intValue else { continue }
            for (key, value) in object where key != "step" && key != "event" {
                guard let number = value as? NSNumber else { continue }
                rows[step, default: [:]][key] = number.doubleValue
                columns.insert(key)
            }
        }
        let ordered = leading.filter(columns.contains) + columns.subtracting(leading).sorted()
        var lines = [(["step"] + ordered).joined(separator: ",")]
        for step in rows.keys.sorted() {
            let values = rows[step] ?? [:]
            lines.append(([String(step)] + ordered.map { values[$0].map(format) ?? "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A number as its shortest exact text (`8.1852388381958`, `12`).
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}
