/// The token string of each id of a model's vocabulary: by index for the ids a vocabulary numbers
/// from 0 (all of them in real files), by dictionary for ids far beyond the vocabulary's size.
struct TokenStrings {
    private let dense: [String?]
    private let sparse: [Int: String]

    /// Where two tokens share an id, either may be kept.
    init(vocabulary: [ExactString: Int]) {
        let byId = Dictionary(vocabulary.map { ($1, $0.value) }, uniquingKeysWith: { first, _ in first })
        let denseCount = min(2 * byId.count + 256, (byId.keys.max() ?? -1) + 1)
        var dense = [String?](repeating: nil, count: denseCount)
        var sparse: [Int: String] = [:]
        for (id, token) in byId {
            if id < denseCount { dense[id] = token } else { sparse[id] = token }
        }
        self.dense = dense
        self.sparse = sparse
    }

    subscript(id: Int) -> String? {
        id >= 0 && id < dense.count ? dense[id] : sparse[id]
    }
}
