import Foundation

/// The inspector's figures as text (a table, or one module in detail) and as JSON values, the same
/// for `lorakit inspect` and the workbench's `inspect`.
public enum InspectionReport {
    /// One row per module (rank, alpha, scaling, parameters, norms, effective rank, intruders), then
    /// each module's leading singular values, then, where there is one, the comparison with what
    /// the adapter was made from.
    public static func table(_ inspections: [ModuleInspection], singularValues shown: Int = 6) -> String {
        let scan = inspections.lazy.compactMap(\.intruders).first
        var rows = [["module", "r", "alpha", "scaling", "params", "|dW|", "|W|", "|dW|/|W|", "eff.rank",
                     scan.map { "intruders (top \($0.topK), cos < \(number($0.epsilon)))" } ?? "intruders"]]
        rows += inspections.map { m in
            [m.module, m.rank.map(String.init) ?? "-", m.alpha.map(number) ?? "-", m.scaling.map(number) ?? "-", "\(m.parameterCount)",
             scientific(m.spectrum.frobeniusNorm), m.baseNorm.map(scientific) ?? "-", m.relativeNorm.map(scientific) ?? "-",
             String(format: "%.2f", m.spectrum.effectiveRank), m.intruders.map(intruderList) ?? "- (no base model)"]
        }
        var sections = [aligned(rows)]
        sections.append("singular values of dW (largest first):\n" + aligned(inspections.map { m in
            [m.module] + m.spectrum.singularValues.prefix(shown).map(scientific) + (m.spectrum.singularValues.count > shown ? ["…"] : [])
        }))
        let compared = inspections.filter { $0.before != nil }
        if !compared.isEmpty {
            sections.append("against what it was made from (the weighted sum of the inputs, or the original):\n" + aligned(
                [["module", "|dW| before", "eff.rank before", "relative change", "intruders before"]] + compared.map { m in
                    let before = m.before!
                    return [m.module, scientific(before.spectrum.frobeniusNorm), String(format: "%.2f", before.spectrum.effectiveRank),
                            scientific(before.relativeChange), before.intruders.map(intruderList) ?? "-"]
                }))
        }
        return sections.joined(separator: "\n\n")
    }

    /// One module in detail: its settings, norms, spectrum and every scanned cosine, intruders marked `!`.
    public static func details(_ m: ModuleInspection) -> [String] {
        var lines = ["\(m.module) · adapter \(m.adapter) · \(m.shape.map(String.init).joined(separator: "×"))"
            + (m.rank.map { " · r=\($0)" } ?? "") + (m.alpha.map { " alpha=\(number($0))" } ?? "") + (m.scaling.map { " scaling \(number($0))" } ?? "")
            + " · \(m.parameterCount) parameters"]
        lines.append("|dW| \(scientific(m.spectrum.frobeniusNorm))" + (m.baseNorm.map { "  |W| \(scientific($0))" } ?? "")
            + (m.relativeNorm.map { "  |dW|/|W| \(scientific($0))" } ?? "")
            + "  effective rank \(String(format: "%.2f", m.spectrum.effectiveRank)), numerical \(m.spectrum.numericalRank)")
        lines.append("singular values of dW: " + m.spectrum.singularValues.prefix(16).map(scientific).joined(separator: " "))
        if let scan = m.intruders {
            lines.append("top \(scan.topK) of W+dW, largest |cos| with W's (! intruder, < \(number(scan.epsilon))): " + cosines(scan))
        }
        if let before = m.before {
            lines.append("before: |dW| \(scientific(before.spectrum.frobeniusNorm))  effective rank \(String(format: "%.2f", before.spectrum.effectiveRank))"
                + "  relative change \(scientific(before.relativeChange))")
            lines.append("singular values before: " + before.spectrum.singularValues.prefix(16).map(scientific).joined(separator: " "))
            if let scan = before.intruders { lines.append("cosines before: " + cosines(scan)) }
        }
        return lines
    }

    /// The module's figures under snake_case keys, for `JSONSerialization`.
    public static func jsonObject(_ m: ModuleInspection) -> [String: Any] {
        var object: [String: Any] = [
            "module": m.module, "adapter": m.adapter, "shape": m.shape, "parameters": m.parameterCount,
            "delta_norm": m.spectrum.frobeniusNorm, "singular_values": m.spectrum.singularValues.map(Double.init),
            "effective_rank": m.spectrum.effectiveRank, "numerical_rank": m.spectrum.numericalRank,
        ]
        object["r"] = m.rank
        object["lora_alpha"] = m.alpha
        object["scaling"] = m.scaling
        object["base_norm"] = m.baseNorm
        object["relative_norm"] = m.relativeNorm
        object["intruder_scan"] = m.intruders.map(scanObject)
        object["before"] = m.before.map { before -> [String: Any] in
            var value: [String: Any] = ["delta_norm": before.spectrum.frobeniusNorm, "singular_values": before.spectrum.singularValues.map(Double.init),
                                        "effective_rank": before.spectrum.effectiveRank, "relative_change": before.relativeChange]
            value["intruder_scan"] = before.intruders.map(scanObject)
            return value
        }
        return object
    }

    private static func scanObject(_ scan: IntruderScan) -> [String: Any] {
        ["top_k": scan.topK, "epsilon": Double(scan.epsilon), "cosines": scan.cosines.map(Double.init), "intruders": scan.intruders]
    }

    private static func intruderList(_ scan: IntruderScan) -> String {
        scan.intruders.isEmpty ? "none" : "\(scan.intruders.count): " + scan.intruders.map { "#\($0) (cos \(String(format: "%.3f", scan.cosines[$0])))" }.joined(separator: " ")
    }

    private static func cosines(_ scan: IntruderScan) -> String {
        scan.cosines.enumerated().map { (scan.intruders.contains($0.offset) ? "!" : "") + String(format: "%.3f", $0.element) }.joined(separator: " ")
    }

    private static func number<T: BinaryFloatingPoint>(_ value: T) -> String { String(format: "%g", Double(value)) }
    private static func scientific<T: BinaryFloatingPoint>(_ value: T) -> String { String(format: "%.4g", Double(value)) }

    /// Left-aligned columns two spaces apart, trailing spaces dropped.
    private static func aligned(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0 ..< columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            var line = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
