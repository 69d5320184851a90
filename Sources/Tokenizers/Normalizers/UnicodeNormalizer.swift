import Foundation

/// The Unicode normalization forms NFC, NFD, NFKC and NFKD. The text is normalized one
/// composition group at a time (a scalar and the combining marks or Hangul jamo that follow it),
/// so every written scalar keeps an origin: a composed scalar that of the first scalar it replaces
/// (`e` + U+0301 → `é` points at the `e`), decomposed scalars that of the scalar they came from.
struct UnicodeNormalizer: TextNormalizer {
    enum Form: String {
        case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD"
    }

    let form: Form

    func normalize(_ text: inout NormalizedText) {
        let scalars = text.scalars
        // ASCII is the same in every form.
        guard !scalars.allSatisfy(\.isASCII) else { return }
        var groups: [Range<Int>] = []
        var start = 0
        while start < scalars.count {
            var end = start + 1
            while end < scalars.count && Self.joinsPreviousGroup(scalars[end]) { end += 1 }
            groups.append(start..<end)
            start = end
        }
        text.rewriteGroups(groups) { group, output in
            if group.count == 1, let scalar = group.first, scalar.isASCII {
                output.append(scalar)
                return
            }
            var string = String.UnicodeScalarView()
            string.append(contentsOf: group)
            output.append(contentsOf: normalized(String(string)).unicodeScalars)
        }
    }

    private func normalized(_ string: String) -> String {
        switch form {
        case .nfc: return string.precomposedStringWithCanonicalMapping
        case .nfd: return string.decomposedStringWithCanonicalMapping
        case .nfkc: return string.precomposedStringWithCompatibilityMapping
        case .nfkd: return string.decomposedStringWithCompatibilityMapping
        }
    }

    /// Whether `scalar` can combine with what precedes it: a combining mark, or a Hangul vowel or
    /// final-consonant jamo.
    private static func joinsPreviousGroup(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return false }
        if (0x1161...0x1175).contains(scalar.value) || (0x11A8...0x11C2).contains(scalar.value) { return true }
        return scalar.properties.canonicalCombiningClass != .notReordered
    }
}
