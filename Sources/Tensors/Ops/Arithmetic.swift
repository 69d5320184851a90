extension Tensor {
    /// `lhs + rhs` with broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.adding(rhs) }
    /// `lhs - rhs` with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.subtracting(rhs) }
    /// `lhs * rhs` element by element (the Hadamard product) with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.multiplying(rhs) }
    /// `lhs / rhs` element by element with broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.dividing(rhs) }

    /// Element-wise sum with broadcasting.
    public func adding(_ other: Tensor) throws -> Tensor {
        let outShape = try Broadcast.shape(shape, other.shape, op: "add")
        let out = Kernels.binary(self, other, outShape: outShape, Sum.self)
        let (sa, sb) = (shape, other.shape)
        return Tensor.record(out, op: "add", inputs: [self, other]) { g in
            [Kernels.sum(g, to: sa), Kernels.sum(g, to: sb)]
        }
    }

    /// Element-wise difference with broadcasting.
    public func subtracting(_ other: Tensor) throws -> Tensor {
        let outShape = try Broadcast.shape(shape, other.shape, op: "sub")
        let out = Kernels.binary(self, other, outShape: outShape, Difference.self)
        let (sa, sb) = (shape, other.shape)
        return Tensor.record(out, op: "sub", inputs: [self, other]) { g in
            [Kernels.sum(g, to: sa), other.requiresGrad ? Kernels.sum(g, to: sb).scaledUnrecorded(-1) : nil]
        }
    }

    /// Element-wise (Hadamard) product with broadcasting.
    public func multiplying(_ other: Tensor) throws -> Tensor {
        let outShape = try Broadcast.shape(shape, other.shape, op: "mul")
        let out = Kernels.binary(self, other, outShape: outShape, Product.self)
        return Tensor.record(out, op: "mul", inputs: [self, other]) { [self, other] g in
            [self.requiresGrad ? Kernels.sum(Kernels.binary(g, other, outShape: outShape, Product.self), to: self.shape) : nil,
             other.requiresGrad ? Kernels.sum(Kernels.binary(g, self, outShape: outShape, Product.self), to: other.shape) : nil]
        }
    }

    /// Element-wise quotient with broadcasting.
    public func dividing(_ other: Tensor) throws -> Tensor {
        let outShape = try Broadcast.shape(shape, other.shape, op: "div")
        let out = Kernels.binary(self, other, outShape: outShape, Quotient.self)
        return Tensor.record(out, op: "div", inputs: [self, other]) { [self, other] g in
            let gOverB = Kernels.binary(g, other, outShape: outShape, Quotient.self)
            return [self.requiresGrad ? Kernels.sum(gOverB, to: self.shape) : nil,
                    other.requiresGrad ? Kernels.sum(Kernels.binary(gOverB, out.detached(), outShape: outShape, NegatedProduct.self), to: other.shape) : nil]
        }
    }

    /// Every element times `factor`.
    public func scaled(by factor: Float) -> Tensor {
        let out = scaledUnrecorded(factor)
        return Tensor.record(out, op: "scale", inputs: [self]) { g in [g.scaledUnrecorded(factor)] }
    }

    /// Every element plus `value`.
    public func adding(scalar value: Float) -> Tensor {
        let out = Kernels.map(self) { $0 + value }
        return Tensor.record(out, op: "add_scalar", inputs: [self]) { g in [g] }
    }

    /// The negated tensor.
    public static prefix func - (x: Tensor) -> Tensor { x.scaled(by: -1) }

    func scaledUnrecorded(_ factor: Float) -> Tensor { Kernels.map(self) { $0 * factor } }
}

extension Kernels {
    /// `f` applied to every element of `x`, split across cores for large tensors.
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        x.withUnsafeBufferPointer { src in
            Tensor.make(shape: x.shape) { dst in
                Parallel.forEachChunk(src.count) { r in for i in r { dst[i] = f(src[i]) } }
            }
        }
    }

    /// `f` applied to pairs of elements of two tensors with the same element count.
    @inline(__always)
    static func zip(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(x.count == y.count, "zip needs equal element counts")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                Tensor.make(shape: x.shape) { dst in
                    Parallel.forEachChunk(px.count) { r in for i in r { dst[i] = f(px[i], py[i]) } }
                }
            }
        }
    }
}
