import Foundation

extension Tensor {
    /// The same values under another shape with the same element count; a view, no copy.
    /// One dimension may be -1 and is then inferred.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let resolved = try resolve(newShape)
        let view = reshapedUnchecked(resolved)
        let original = shape
        return Tensor.record(view, op: "reshape", inputs: [self]) { g in
            [g.reshapedUnchecked(original)]
        }
    }

    /// A view with another shape of the same count, with no tape entry (for kernels and pullbacks).
    func reshapedUnchecked(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage, offset: offset)
    }

    private func resolve(_ newShape: [Int]) throws -> [Int] {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshape", reason: "at most one -1 and no other negative dimension in \(newShape)")
        }
        var result = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        if let index = inferred.first {
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", shapes: [shape, newShape], reason: "\(count) elements cannot be split that way")
            }
            result[index] = count / known
        }
        guard result.reduce(1, *) == count else {
            throw TensorError.shapeMismatch(op: "reshape", shapes: [shape, newShape],
                                            reason: "\(count) elements cannot take a shape of \(result.reduce(1, *))")
        }
        return result
    }

    /// Rows `range` of the leading dimension; a view, no copy.
    public func slice(_ range: Range<Int>) throws -> Tensor {
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw TensorError.invalidArgument(op: "slice", reason: "rows \(range) outside a tensor of shape \(shape)")
        }
        let rowSize = shape.dropFirst().reduce(1, *)
        let view = Tensor(shape: [range.count] + shape.dropFirst(), storage: storage,
                          offset: offset + range.lowerBound * rowSize)
        let full = shape
        return Tensor.record(view, op: "slice", inputs: [self]) { g in
            let out = Tensor.zeros(full)
            out.withUnsafeMutableBufferPointer { dst in
                g.withUnsafeBufferPointer { src in
                    _ = UnsafeMutableBufferPointer(rebasing: dst[range.lowerBound * rowSize ..< range.upperBound * rowSize])
                        .initialize(from: src)
                }
            }
            return [out]
        }
    }

    /// Swaps two axes (negative axes count from the end); the result is a contiguous copy.
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) throws -> Tensor {
        let a = try normalize(axis: axis0, op: "transpose"), b = try normalize(axis: axis1, op: "transpose")
        var order = Array(0 ..< rank)
        order.swapAt(a, b)
        return try permuted(order)
    }

    /// Reorders the axes: axis `i` of the result is axis `order[i]` of this tensor. A contiguous copy.
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.sorted() == Array(0 ..< rank) else {
            throw TensorError.invalidArgument(op: "permute", reason: "\(order) is not a permutation of the axes of shape \(shape)")
        }
        let out = Kernels.permute(self, order)
        var inverse = order
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.record(out, op: "permute", inputs: [self]) { g in [Kernels.permute(g, inverse)] }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else {
            throw TensorError.invalidArgument(op: "concat", reason: "nothing to join")
        }
        let ax = try first.normalize(axis: axis, op: "concat")
        for part in parts where part.rank != first.rank ||
            part.shape.enumerated().contains(where: { $0.offset != ax && $0.element != first.shape[$0.offset] }) {
            throw TensorError.shapeMismatch(op: "concat", shapes: parts.map(\.shape),
                                            reason: "all dimensions but axis \(ax) must agree")
        }
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        let sizes = parts.map { $0.shape[ax] }
        var outShape = first.shape
        outShape[ax] = sizes.reduce(0, +)
        let outRow = outShape[ax] * inner
        let out = Tensor.make(shape: outShape) { dst in
            var column = 0
            for (part, size) in zip(parts, sizes) where size * inner > 0 {
                defer { column += size }
                part.withUnsafeBufferPointer { src in
                    for o in 0 ..< outer {
                        (dst.baseAddress! + o * outRow + column * inner)
                            .update(from: src.baseAddress! + o * size * inner, count: size * inner)
                    }
                }
            }
        }
        return record(out, op: "concat", inputs: parts) { g in
            try g.split(sizes: sizes, axis: ax).map { Optional($0) }
        }
    }

    /// Cuts this tensor along `axis` into pieces of the given sizes, which must add up to that axis.
    public func split(sizes: [Int], axis: Int) throws -> [Tensor] {
        let ax = try normalize(axis: axis, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[ax] else {
            throw TensorError.invalidArgument(op: "split", reason: "sizes \(sizes) do not add up to \(shape[ax]), axis \(ax) of shape \(shape)")
        }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let row = shape[ax] * inner
        var column = 0
        var pieces: [Tensor] = []
        for size in sizes {
            var pieceShape = shape
            pieceShape[ax] = size
            let start = column
            let piece = withUnsafeBufferPointer { src in
                Tensor.make(shape: pieceShape) { dst in
                    for o in 0 ..< outer where size * inner > 0 {
                        (dst.baseAddress! + o * size * inner)
                            .update(from: src.baseAddress! + o * row + start * inner, count: size * inner)
                    }
                }
            }
            let full = shape
            pieces.append(Tensor.record(piece, op: "split", inputs: [self]) { g in
                let out = Tensor.zeros(full)
                out.withUnsafeMutableBufferPointer { dst in
                    g.withUnsafeBufferPointer { src in
                        for o in 0 ..< outer where size * inner > 0 {
                            (dst.baseAddress! + o * row + start * inner)
                                .update(from: src.baseAddress! + o * size * inner, count: size * inner)
                        }
                    }
                }
                return [out]
            })
            column += size
        }
        return pieces
    }

    /// The axis index for a possibly negative axis, or an error naming the op and the shape.
    func normalize(axis: Int, op: String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw TensorError.invalidArgument(op: op, reason: "axis \(axis) is outside a tensor of shape \(shape)")
        }
        return resolved
    }
}

extension Kernels {
    /// A contiguous copy of `x` with its axes reordered (`result axis i = x axis order[i]`).
    /// Trailing axes that keep their place are copied as whole blocks.
    static func permute(_ x: Tensor, _ order: [Int]) -> Tensor {
        let shape = x.shape, rank = shape.count
        let outShape = order.map { shape[$0] }
        var kept = rank
        while kept > 0, order[kept - 1] == kept - 1 { kept -= 1 }
        let block = shape[kept...].reduce(1, *)
        if kept == 0 || x.count == 0 { return x.copy().reshapedUnchecked(outShape) }
        var strides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        let outerDims = Array(outShape[..<kept])
        let srcStrides = order[..<kept].map { strides[$0] }
        let outer = outerDims.reduce(1, *)
        return x.withUnsafeBufferPointer { src in
            Tensor.make(shape: outShape) { dst in
                Parallel.forEachChunk(outer, costPerItem: block) { range in
                    var index = [Int](repeating: 0, count: kept)
                    var rest = range.lowerBound
                    for d in stride(from: kept - 1, through: 0, by: -1) {
                        index[d] = rest % outerDims[d]
                        rest /= outerDims[d]
                    }
                    var source = Swift.zip(index, srcStrides).reduce(0) { $0 + $1.0 * $1.1 }
                    for o in range {
                        let target = dst.baseAddress! + o * block
                        if block == 1 { target.pointee = src[source] } else {
                            target.update(from: src.baseAddress! + source, count: block)
                        }
                        var d = kept - 1
                        while d >= 0 {
                            index[d] += 1
                            source += srcStrides[d]
                            if index[d] < outerDims[d] { break }
                            source -= srcStrides[d] * outerDims[d]
                            index[d] = 0
                            d -= 1
                        }
                    }
                }
            }
        }
    }
}
