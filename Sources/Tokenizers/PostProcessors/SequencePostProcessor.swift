/// `Sequence`: the post-processors applied in order, each to what the previous one gave.
struct SequencePostProcessor: PostProcessor {
    let processors: [PostProcessor]

    func addedTokenCount(isPair: Bool) -> Int {
        processors.reduce(0) { $0 + $1.addedTokenCount(isPair: isPair) }
    }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        processors.reduce(encodings) { encodings, processor in processor.process(encodings, addSpecialTokens: addSpecialTokens) }
    }
}
