/// Kendall's rank correlation with the test metafor's `ranktest` performs (R's
/// `cor.test(method = "kendall", exact = TRUE)`): τ_b, and without ties the exact permutation
/// p-value for every n; with ties the normal approximation with the tie-corrected variance of S
/// (Kendall 1970, eq. 4.4), without continuity correction (R cannot compute an exact p with ties).
public struct KendallTest: Sendable, Hashable, Codable {
    /// τ_b = S / √((n₀ − n₁)(n₀ − n₂)).
    public var tau: Double
    /// S = concordant − discordant pairs.
    public var s: Double
    /// z for the normal approximation (nil for the exact test).
    public var z: Double?
    public var pValue: Double
    public var exact: Bool

    /// O(n log n) by Knight's (1966) merge-sort algorithm.
    public static func test(_ x: [Double], _ y: [Double]) -> KendallTest {
        let n = x.count
        precondition(n == y.count && n >= 2)
        var pairs = (0..<n).map { (x[$0], y[$0]) }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let n0 = Double(n) * Double(n - 1) / 2
        var xGroups: [Int] = [], jointTies = 0.0
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && pairs[j].0 == pairs[i].0 { j += 1 }
            xGroups.append(j - i)
            var a = i
            while a < j {
                var b = a + 1
                while b < j && pairs[b].1 == pairs[a].1 { b += 1 }
                let t = Double(b - a)
                jointTies += t * (t - 1) / 2
                a = b
            }
            i = j
        }
        var ys = pairs.map(\.1)
        var buffer = ys
        let swaps = Double(mergeCount(&ys, &buffer, 0, n))
        var yGroups: [Int] = []
        i = 0
        while i < n {
            var j = i + 1
            while j < n && ys[j] == ys[i] { j += 1 }
            yGroups.append(j - i)
            i = j
        }
        func pairsIn(_ groups: [Int]) -> Double { groups.reduce(0) { $0 + Double($1) * Double($1 - 1) / 2 } }
        let n1 = pairsIn(xGroups), n2 = pairsIn(yGroups)
        let s = n0 - n1 - n2 + jointTies - 2 * swaps
        let denominator = ((n0 - n1) * (n0 - n2)).squareRoot()
        let tau = denominator > 0 ? s / denominator : 0
        let ties = n1 > 0 || n2 > 0
        if !ties {
            // R: q = round((τ + 1)·n(n − 1)/4), p = 2·P(T ≤ q) below the centre, 2·P(T ≥ q) above;
            // by symmetry P(T ≥ q) = P(T ≤ n₀ − q).
            let q = Int(((tau + 1) * Double(n) * Double(n - 1) / 4).rounded(.toNearestOrEven))
            let tail = 2 * q > Int(n0) ? lowerTail(atMost: Int(n0) - q, n: n) : lowerTail(atMost: q, n: n)
            return KendallTest(tau: tau, s: s, z: nil, pValue: min(1, 2 * tail), exact: true)
        }
        let nd = Double(n)
        func tieSum(_ groups: [Int], _ f: (Double) -> Double) -> Double { groups.reduce(0) { $0 + f(Double($1)) } }
        let v0 = nd * (nd - 1) * (2 * nd + 5)
        let vt = tieSum(xGroups) { $0 * ($0 - 1) * (2 * $0 + 5) }
        let vu = tieSum(yGroups) { $0 * ($0 - 1) * (2 * $0 + 5) }
        let v1 = tieSum(xGroups) { $0 * ($0 - 1) } * tieSum(yGroups) { $0 * ($0 - 1) }
        let v2 = tieSum(xGroups) { $0 * ($0 - 1) * ($0 - 2) } * tieSum(yGroups) { $0 * ($0 - 1) * ($0 - 2) }
        var variance = (v0 - vt - vu) / 18 + v1 / (2 * nd * (nd - 1))
        if n > 2 { variance += v2 / (9 * nd * (nd - 1) * (nd - 2)) }
        let z = variance > 0 ? s / variance.squareRoot() : 0
        return KendallTest(tau: tau, s: s, z: z, pValue: min(1, 2 * Normal.ccdf(abs(z))), exact: false)
    }

    /// Sorts `a[lo..<hi]` and returns the number of strict inversions.
    private static func mergeCount(_ a: inout [Double], _ buffer: inout [Double], _ lo: Int, _ hi: Int) -> Int {
        if hi - lo < 2 { return 0 }
        let mid = (lo + hi) / 2
        var count = mergeCount(&a, &buffer, lo, mid) + mergeCount(&a, &buffer, mid, hi)
        var i = lo, j = mid, t = lo
        while i < mid && j < hi {
            if a[j] < a[i] {
                buffer[t] = a[j]; j += 1
                count += mid - i
            } else {
                buffer[t] = a[i]; i += 1
            }
            t += 1
        }
        while i < mid { buffer[t] = a[i]; i += 1; t += 1 }
        while j < hi { buffer[t] = a[j]; j += 1; t += 1 }
        for m in lo..<hi { a[m] = buffer[m] }
        return count
    }

    /// P(T ≤ q) for T, the number of concordant pairs among n untied observations under
    /// independence (the Mahonian numbers, normalised), by the recursion
    /// P_m(c) = (1/m)·Σ_{j<m} P_{m−1}(c − j) truncated at c ≤ q. Each sum is taken directly while
    /// that costs little (O(n²·q)); beyond, the window sum is updated in O(1) per cell, so the cost
    /// is O(n·q) ≤ O(n³/4): q is at most the centre n(n − 1)/4, where the probabilities still
    /// increase with c, so the updates keep the tail's relative precision.
    static func lowerTail(atMost q: Int, n: Int) -> Double {
        Double(n) * Double(n) * Double(q + 1) <= 5e7 ? lowerTailDirect(atMost: q, n: n) : lowerTailWindow(atMost: q, n: n)
    }

    /// The recursion with window sums updated in O(1) per cell.
    static func lowerTailWindow(atMost q: Int, n: Int) -> Double {
        if q < 0 { return 0 }
        let maximum = n * (n - 1) / 2
        if q >= maximum { return 1 }
        var p = [Double](repeating: 0, count: q + 1)
        var next = p
        p[0] = 1
        var top = 0                  // the largest c with P_m(c) > 0 so far, capped at q
        if n >= 2 {
            for m in 2...n {
                let newTop = min(q, top + m - 1)
                var window = 0.0
                let scale = 1 / Double(m)
                for c in 0...newTop {
                    window += p[c]
                    if c >= m { window -= p[c - m] }
                    next[c] = window * scale
                }
                swap(&p, &next)
                top = newTop
            }
        }
        var sum = 0.0
        for c in 0...top { sum += p[c] }
        return min(1, sum)
    }

    /// The same recursion with every sum taken directly.
    static func lowerTailDirect(atMost q: Int, n: Int) -> Double {
        if q < 0 { return 0 }
        if q >= n * (n - 1) / 2 { return 1 }
        var p: [Double] = [1]
        if n >= 2 {
            for m in 2...n {
                let size = min(q + 1, p.count + m - 1)
                var next = [Double](repeating: 0, count: size)
                for c in 0..<size {
                    var sum = 0.0
                    for j in 0..<m where c - j >= 0 && c - j < p.count { sum += p[c - j] }
                    next[c] = sum / Double(m)
                }
                p = next
            }
        }
        return min(1, p.reduce(0, +))
    }
}
