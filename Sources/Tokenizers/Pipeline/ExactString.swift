/// A string compared and hashed by its exact UTF-8 bytes, as the `tokenizers` crate compares
/// strings. Swift's `String` equates canonically equivalent strings ("é" and "e\u{301}"), which
/// would merge distinct vocabulary tokens and match words the crate does not.
struct ExactString: Hashable {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = value.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            Array(value.utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}
