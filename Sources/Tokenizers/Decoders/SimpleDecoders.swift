import JSON
import Foundation

/// `Fuse`: all tokens joined into one string.
struct FuseDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        [tokens.joined()]
    }
}

/// `Strip`: removes up to `start` leading and `stop` trailing `content` characters of every token.
struct StripDecoder: TokenDecoder {
    let content: Unicode.Scalar
    let start: Int
    let stop: Int

    init(fields: JSONFieldReader) throws {
        let content = try fields.required("content", fields.string)
        guard content.unicodeScalars.count == 1, let scalar = content.unicodeScalars.first else {
            throw fields.invalid("content", "expected a single character")
        }
        self.content = scalar
        start = try fields.int("start") ?? 0
        stop = try fields.int("stop") ?? 0
        guard start >= 0, stop >= 0 else { throw fields.invalid("start", "start and stop cannot be negative") }
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let scalars = Array(token.unicodeScalars)
            let leading = scalars.prefix(start).prefix(while: { $0 == content }).count
            let trailing = scalars[leading...].reversed().prefix(stop).prefix(while: { $0 == content }).count
            return String(String.UnicodeScalarView(scalars[leading..<(scalars.count - trailing)]))
        }
    }
}

/// `Replace`: the matches of a literal or a regex replaced in every token.
struct ReplaceDecoder: TokenDecoder {
    let replace: ReplaceNormalizer

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map(replace.replace(in:))
    }
}

/// `Metaspace`: the replacement character (`▁`) becomes a space, except in the first token,
/// where every one is removed (unless the prepend scheme is `never`).
struct MetaspaceDecoder: TokenDecoder {
    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme

    init(fields: JSONFieldReader) throws {
        replacement = try MetaspacePreTokenizer.replacement(fields)
        prependScheme = try PrependScheme(fields: fields)
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var output = String.UnicodeScalarView()
            for scalar in token.unicodeScalars {
                if scalar != replacement {
                    output.append(scalar)
                } else if index > 0 || prependScheme == .never {
                    output.append(" ")
                }
            }
            return String(output)
        }
    }
}

/// `BPEDecoder`: the end-of-word suffix becomes a space, except at the end of the last token.
struct BPESuffixDecoder: TokenDecoder {
    let suffix: String

    init(fields: JSONFieldReader) throws {
        suffix = try fields.string("suffix") ?? "</w>"
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            token.replacingOccurrences(of: suffix, with: index == tokens.count - 1 ? "" : " ")
        }
    }
}

/// `Sequence`: each decoder rewrites the tokens the previous one gave.
struct SequenceDecoder: TokenDecoder {
    let decoders: [TokenDecoder]

    func decodeChain(_ tokens: [String]) -> [String] {
        decoders.reduce(tokens) { tokens, decoder in decoder.decodeChain(tokens) }
    }
}
