/// The character classes the tokenizer pipeline tests, defined as the Hugging Face `tokenizers`
/// crate defines them (Rust `char` methods and the `unicode_categories` crate).
extension Unicode.Scalar {
    /// Rust's `char::is_whitespace`: the Unicode White_Space property.
    var isTokenizerWhitespace: Bool { properties.isWhitespace }

    /// `\p{L}`: any letter category.
    var isLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: any number category.
    var isNumber: Bool {
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Unicode P* categories (`unicode_categories`' `is_punctuation`).
    var isUnicodePunctuation: Bool {
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// BERT's punctuation: Rust's `is_ascii_punctuation` (which includes ASCII symbols such as
    /// `$`, `+`, `<`, `^`) or any Unicode P* category.
    var isBertPunctuation: Bool {
        if isASCII {
            let v = value
            return (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v)
                || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v)
        }
        return isUnicodePunctuation
    }

    /// BERT's control characters, which clean-up removes: categories Cc, Cf and Co, except tab,
    /// newline and carriage return (which count as whitespace).
    var isBertControl: Bool {
        if self == "\t" || self == "\n" || self == "\r" { return false }
        switch properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// The CJK ideograph blocks that BERT surrounds with spaces (ranges verbatim from the crate).
    var isCJKIdeograph: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// A regex `\w` character: alphabetic, mark, decimal digit, connector punctuation or join control.
    var isWordCharacter: Bool {
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}

/// The classes the byte-level split regexes (GPT-2's, Llama-3's, Qwen2's) tell characters apart
/// by: `\p{L}`, `\p{N}`, `\s` and everything else. The four do not overlap.
enum SplitScalarClass {
    case letter, number, whitespace, other
}

extension Unicode.Scalar {
    /// The split-regex class of this scalar, with the ASCII ones decided without a table look-up.
    var splitClass: SplitScalarClass {
        let v = value
        if v < 0x80 {
            if (v | 0x20) &- 0x61 < 26 { return .letter }
            if v &- 0x30 < 10 { return .number }
            if v == 0x20 || v &- 0x09 < 5 { return .whitespace }
            return .other
        }
        if isTokenizerWhitespace { return .whitespace }
        if isLetter { return .letter }
        if isNumber { return .number }
        return .other
    }
}
