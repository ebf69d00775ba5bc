#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// The model fitted to subsets of the studies: a GOSH analysis (graphical display of study
/// heterogeneity; Olkin, Dahabreh & Trikalinos 2012; metafor's `gosh()`).
public struct GoshAnalysis: Sendable {
    /// Number of studies.
    public var k: Int
    /// Every non-empty subset was fitted (otherwise `count` random subsets).
    public var exhaustive: Bool
    public var count: Int
    /// The seed of the random subsets (nil when exhaustive).
    public var seed: UInt64?
    /// Per subset, in output order: exhaustive fits by subset size, then by membership mask
    /// (metafor's order: the first study varies fastest); random subsets in the order drawn.
    public var estimate: [Double]
    public var i2: [Double]
    public var tau2: [Double]
    public var size: [Int32]
    /// Membership: `words` 64-bit words per subset, bit j of the subset's words set when study j is in it.
    public var membership: [UInt64]
    public var words: Int
    /// Subsets whose τ² iteration did not converge: their numbers are NaN (metafor's NA).
    public var failed: Int { estimate.lazy.filter(\.isNaN).count }

    /// Whether study `j` is in subset `row`.
    public func contains(_ row: Int, study j: Int) -> Bool {
        membership[row * words + j / 64] >> UInt64(j % 64) & 1 == 1
    }
}

/// GOSH: the pooled estimate, I² and τ² of the model refitted to subsets of the studies.
public enum Gosh {
    /// Subsets are all fitted when there are at most this many (2^20), else a random sample of this size.
    public static let defaultSubsets = 1 << 20
    /// The largest `subsets:` accepted (memory: about 40 bytes a subset).
    public static let maximumSubsets = 1 << 24
    /// The seed of the random subsets (fixed, so the same data give the same subsets).
    public static let seed: UInt64 = 20_120_605

    /// Fits the analysis' model to every non-empty subset of the studies (2^k − 1 of them, single
    /// studies included, as metafor) when that is at most `subsets`, otherwise to `subsets` random
    /// subsets: each study is in a subset with probability ½, empty draws redrawn (metafor's draw: a
    /// size from Binomial(k, ½) conditioned on ≥ 1, then that many studies at random), from a fixed
    /// seed.
    ///
    /// Fixed-effect and DerSimonian–Laird fits of all subsets visit them in Gray-code order, each
    /// subset one study away from the last, and update the sums Σwᵢ, Σwᵢdᵢ, Σwᵢdᵢ², Σwᵢ² (wᵢ = 1/vᵢ,
    /// dᵢ = yᵢ minus the fixed-effect estimate of all studies; compensated sums, so no error
    /// accumulates), which give Q, τ² and I² in O(1); the DL estimate itself takes one pass over the
    /// subset. Other estimators fit each subset with their own iteration. Subsets are fitted in
    /// parallel in blocks of fixed size, each result written to its own slot, so the output does not
    /// depend on the number of threads. Mantel–Haenszel and Peto fits are refused.
    public static func analyze(_ effects: [EffectSize], options: PoolingOptions, subsets: Int = defaultSubsets) throws
        -> GoshAnalysis
    {
        guard !effects.isEmpty else { throw StatsError.noStudies }
        if options.method == .mh || options.method == .peto {
            throw StatsError.needsInverseVariance(.gosh, method: options.method)
        }
        let k = effects.count
        let y = effects.map(\.yi), v = effects.map(\.vi)
        let model = SubsetModel(y: y, v: v, options: options)
        let subsets = max(1, subsets)
        // 2^k − 1 ≤ subsets (k < 63 so that the count is representable).
        if k < 62, (1 << k) - 1 <= subsets {
            return try exhaustive(model)
        }
        return try sampled(model, count: subsets)
    }

    // MARK: All subsets

    /// Gray-code blocks: the enumeration is cut into blocks of this many consecutive codes, each
    /// started from sums taken afresh.
    static let block = 1 << 12

    static func exhaustive(_ model: SubsetModel) throws -> GoshAnalysis {
        let k = model.k
        let total = (1 << k) - 1
        // Results by mask − 1, from the Gray codes 0…2^k − 1 in blocks.
        let (estimate, i2, tau2) = try inBlocks(slots: total, codes: total + 1) { codes, out in
            try model.fitBlock(codes: codes, into: out)
        }
        // Output order: by size, then mask (Gosper's hack walks the masks of one size in order).
        var result = GoshAnalysis(k: k, exhaustive: true, count: total, seed: nil, estimate: [], i2: [], tau2: [], size: [],
                                  membership: [], words: 1)
        result.estimate.reserveCapacity(total); result.i2.reserveCapacity(total); result.tau2.reserveCapacity(total)
        result.size.reserveCapacity(total); result.membership.reserveCapacity(total)
        let limit = 1 << k
        for c in 1...k {
            var m = (1 << c) - 1
            while m < limit {
                result.estimate.append(estimate[m - 1]); result.i2.append(i2[m - 1]); result.tau2.append(tau2[m - 1])
                result.size.append(Int32(c)); result.membership.append(UInt64(m))
                let low = m & -m, r = m + low
                m = (((r ^ m) >> 2) / low) | r
            }
        }
        return result
    }

    /// Runs `body` on consecutive blocks of 0..<codes spread over the cores, each block writing only
    /// its own elements of `slots` results; throws the error of the lowest failing block.
    static func inBlocks(slots: Int, codes: Int, _ body: @Sendable (Range<Int>, Slots) throws -> Void) throws
        -> (estimate: [Double], i2: [Double], tau2: [Double])
    {
        var estimate = [Double](repeating: 0, count: slots)
        var i2 = estimate, tau2 = estimate
        let blocks = (codes + block - 1) / block
        var failures = [(any Error)?](repeating: nil, count: blocks)
        estimate.withUnsafeMutableBufferPointer { e in
            i2.withUnsafeMutableBufferPointer { h in
                tau2.withUnsafeMutableBufferPointer { t in
                    failures.withUnsafeMutableBufferPointer { f in
                        let out = Slots(estimate: e, i2: h, tau2: t), errors = LeaveOneOutTau.SharedBuffer(buffer: f)
                        DispatchQueue.concurrentPerform(iterations: blocks) { b in
                            do { try body((b * block)..<min(codes, (b + 1) * block), out) } catch { errors[b] = error }
                        }
                    }
                }
            }
        }
        if let error = failures.lazy.compactMap({ $0 }).first { throw error }
        return (estimate, i2, tau2)
    }

    // MARK: Random subsets

    static func sampled(_ model: SubsetModel, count: Int) throws -> GoshAnalysis {
        let k = model.k
        let words = (k + 63) / 64
        var rng = SubsetGenerator(seed: seed)
        var membership = [UInt64](repeating: 0, count: count * words)
        var size = [Int32](repeating: 0, count: count)
        for row in 0..<count {
            var n = 0
            repeat {
                n = 0
                for w in 0..<words {
                    var bits = rng.next()
                    let used = min(64, k - w * 64)
                    if used < 64 { bits &= (1 << UInt64(used)) - 1 }
                    membership[row * words + w] = bits
                    n += bits.nonzeroBitCount
                }
            } while n == 0
            size[row] = Int32(n)
        }
        let members = membership
        let (estimate, i2, tau2) = try inBlocks(slots: count, codes: count) { rows, out in
            var scratch = SubsetScratch(k: k)
            for row in rows {
                scratch.gather(model, words: members[(row * words)..<((row + 1) * words)])
                out.set(row, try model.direct(&scratch))
            }
        }
        return GoshAnalysis(k: k, exhaustive: false, count: count, seed: seed, estimate: estimate, i2: i2, tau2: tau2,
                            size: size, membership: membership, words: words)
    }

    /// One subset's fit by the analysis' own estimator on the subset's studies (`study` indices,
    /// in order): the reference the fast paths are checked against.
    public static func fit(_ effects: [EffectSize], subset: [Int], options: PoolingOptions) throws
        -> (estimate: Double, i2: Double, tau2: Double)
    {
        let model = SubsetModel(y: effects.map(\.yi), v: effects.map(\.vi), options: options)
        var scratch = SubsetScratch(k: effects.count)
        var words = [UInt64](repeating: 0, count: (effects.count + 63) / 64)
        for j in subset { words[j / 64] |= 1 << UInt64(j % 64) }
        scratch.gather(model, words: words[...])
        let f = try model.direct(&scratch)
        return (f.estimate, f.i2, f.tau2)
    }
}

/// The result slots, written by different threads, each slot by one thread only.
struct Slots: @unchecked Sendable {
    let estimate: UnsafeMutableBufferPointer<Double>
    let i2: UnsafeMutableBufferPointer<Double>
    let tau2: UnsafeMutableBufferPointer<Double>

    @inline(__always)
    func set(_ index: Int, _ fit: SubsetFit) {
        estimate[index] = fit.estimate
        i2[index] = fit.i2
        tau2[index] = fit.tau2
    }
}

struct SubsetFit {
    var estimate: Double
    var i2: Double
    var tau2: Double
}

/// A subset's data gathered into contiguous arrays with one extra, skipped element at the end, so
/// that `LeaveOneOutTau`'s allocation-free iterations (which skip one index) fit the subset as
/// `TauSquared.estimate` would.
struct SubsetScratch {
    var y: [Double]
    var v: [Double]
    var sorted: [Double]
    var work: [Double]
    var n = 0

    init(k: Int) {
        y = []; v = []; sorted = []
        y.reserveCapacity(k + 1); v.reserveCapacity(k + 1); sorted.reserveCapacity(k + 1)
        work = [Double](repeating: 0, count: k + 1)
    }

    mutating func gather(_ model: SubsetModel, words: ArraySlice<UInt64>) {
        y.removeAll(keepingCapacity: true)
        v.removeAll(keepingCapacity: true)
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                let j = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                y.append(model.y[j]); v.append(model.v[j])
            }
        }
        n = y.count
        // The skipped element: +∞ sorts last, so the median search of PM finds it at position n.
        y.append(.infinity); v.append(1)
        if model.estimator == .pm {
            sorted.removeAll(keepingCapacity: true)
            sorted.append(contentsOf: y)
            sorted.sort()
        }
    }
}

/// The model fitted to each subset.
struct SubsetModel: Sendable {
    var y: [Double]
    var v: [Double]
    var k: Int { y.count }
    var options: PoolingOptions
    /// nil for a fixed-effect fit.
    var estimator: TauEstimator?
    /// Q-based I² (fixed effect, or `i2: Q`).
    var qBasedI2: Bool
    /// Centre of the running sums: the fixed-effect estimate of all studies.
    var centre: Double
    var w: [Double]
    var d: [Double]

    init(y: [Double], v: [Double], options: PoolingOptions) {
        self.y = y
        self.v = v
        self.options = options
        estimator = options.model == .random ? options.effectiveTauEstimator : nil
        qBasedI2 = estimator == nil || options.i2 == .q
        w = v.map { 1 / $0 }
        let c = WeightedFit(y: y, design: .intercept(y.count), weights: w).beta[0]
        centre = c
        d = y.map { $0 - c }
    }

    /// I² from Q, τ² and the sums of wᵢ = 1/vᵢ and wᵢ² over a subset of n ≥ 2 studies.
    @inline(__always)
    func i2(q: Double, tau2: Double, n: Int, sw: Double, sw2: Double) -> Double {
        let df = Double(n - 1)
        if qBasedI2 { return q > 0 ? max(0, 100 * (q - df) / q) : 0 }
        let s2 = df * sw / (sw * sw - sw2)
        return 100 * tau2 / (tau2 + s2)
    }

    /// Fits the subsets whose Gray codes are `codes` (code g is subset g ^ (g >> 1)), writing each
    /// to slot mask − 1.
    func fitBlock(codes: Range<Int>, into out: Slots) throws {
        guard !codes.isEmpty else { return }
        if estimator == nil || estimator == .dl {
            grayBlock(codes: codes, into: out)
            return
        }
        var scratch = SubsetScratch(k: k)
        var words: [UInt64] = [0]
        for g in codes where g > 0 {
            words[0] = UInt64(g ^ (g >> 1))
            scratch.gather(self, words: words[...])
            out.set(Int(words[0]) - 1, try direct(&scratch))
        }
    }

    /// Compensated running sum (Neumaier): adds and subtracts without accumulating rounding error.
    struct Sum {
        var s = 0.0, c = 0.0
        @inline(__always) mutating func add(_ x: Double) {
            let t = s + x
            if abs(s) >= abs(x) { c += (s - t) + x } else { c += (x - t) + s }
            s = t
        }
        @inline(__always) var value: Double { s + c }
    }

    /// Fixed effect and DL over consecutive Gray codes, one study added or removed per step.
    func grayBlock(codes: Range<Int>, into out: Slots) {
        var sw = Sum(), swd = Sum(), swd2 = Sum(), sw2 = Sum()
        var n = 0
        var mask = codes.lowerBound ^ (codes.lowerBound >> 1)
        for j in 0..<k where mask >> j & 1 == 1 {
            sw.add(w[j]); swd.add(w[j] * d[j]); swd2.add(w[j] * d[j] * d[j]); sw2.add(w[j] * w[j])
            n += 1
        }
        var g = codes.lowerBound
        while true {
            if mask != 0 { out.set(mask - 1, fit(mask: mask, n: n, sw: sw.value, swd: swd.value, swd2: swd2.value, sw2: sw2.value)) }
            g += 1
            if g >= codes.upperBound { break }
            // Gray code g differs from g − 1 in the bit of g's lowest set bit.
            let j = g.trailingZeroBitCount
            let wj = w[j], dj = d[j]
            if mask >> j & 1 == 1 {
                sw.add(-wj); swd.add(-wj * dj); swd2.add(-wj * dj * dj); sw2.add(-wj * wj)
                n -= 1
            } else {
                sw.add(wj); swd.add(wj * dj); swd2.add(wj * dj * dj); sw2.add(wj * wj)
                n += 1
            }
            mask ^= 1 << j
        }
    }

    @inline(__always)
    func fit(mask: Int, n: Int, sw: Double, swd: Double, swd2: Double, sw2: Double) -> SubsetFit {
        if n == 1 {
            return SubsetFit(estimate: y[mask.trailingZeroBitCount], i2: 0, tau2: 0)
        }
        let feShift = swd / sw
        let q = max(0, swd2 - swd * feShift)
        guard estimator == .dl else {
            return SubsetFit(estimate: centre + feShift, i2: i2(q: q, tau2: 0, n: n, sw: sw, sw2: sw2), tau2: 0)
        }
        let tau2 = max(0, (q - Double(n - 1)) / (sw - sw2 / sw))
        var estimate = centre + feShift
        if tau2 > 0 {
            var a = 0.0, b = 0.0
            var bits = mask
            while bits != 0 {
                let j = bits.trailingZeroBitCount
                bits &= bits - 1
                let wj = 1 / (v[j] + tau2)
                a += wj; b += wj * d[j]
            }
            estimate = centre + b / a
        }
        return SubsetFit(estimate: estimate, i2: i2(q: q, tau2: tau2, n: n, sw: sw, sw2: sw2), tau2: tau2)
    }

    /// One subset fitted directly: τ² by the estimator's own iteration, then the weighted mean.
    func direct(_ s: inout SubsetScratch) throws -> SubsetFit {
        let n = s.n
        if n == 1 { return SubsetFit(estimate: s.y[0], i2: 0, tau2: 0) }
        var sw = 0.0, sw2 = 0.0
        for j in 0..<n { let wj = 1 / s.v[j]; sw += wj; sw2 += wj * wj }
        var swy = 0.0
        for j in 0..<n { swy += s.y[j] / s.v[j] }
        var fe = swy / sw
        var feCorrection = 0.0
        for j in 0..<n { feCorrection += (s.y[j] - fe) / s.v[j] }
        fe += feCorrection / sw
        var q = 0.0
        for j in 0..<n { let r = s.y[j] - fe; q += r * r / s.v[j] }
        var tau2 = 0.0
        if let estimator {
            switch estimator {
            case .dl: tau2 = max(0, (q - Double(n - 1)) / (sw - sw2 / sw))
            case .hs: tau2 = max(0, (q - Double(n)) / sw)
            default:
                do {
                    tau2 = try LeaveOneOutTau.estimate(estimator, y: s.y, v: s.v, skip: n, convergence: options.convergence,
                                                       sorted: s.sorted, scratch: &s.work)
                } catch StatsError.noConvergence {
                    // As metafor's gosh(): a subset whose fit fails has no result (NA).
                    return SubsetFit(estimate: .nan, i2: .nan, tau2: .nan)
                }
            }
        }
        var a = 0.0, b = 0.0
        for j in 0..<n { let wj = 1 / (s.v[j] + tau2); a += wj; b += wj * s.y[j] }
        var mu = b / a
        var correction = 0.0
        for j in 0..<n { correction += 1 / (s.v[j] + tau2) * (s.y[j] - mu) }
        mu += correction / a
        let fit = SubsetFit(estimate: mu, i2: i2(q: q, tau2: tau2, n: n, sw: sw, sw2: sw2), tau2: tau2)
        guard fit.estimate.isFinite, fit.i2.isFinite, fit.tau2.isFinite else {
            throw StatsError.nonFinite(quantity: "GOSH subset fit", detail: "a subset of \(n) studies")
        }
        return fit
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator with a fixed sequence for a seed.
struct SubsetGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
