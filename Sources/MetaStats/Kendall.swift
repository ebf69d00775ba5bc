/// Kendall's rank correlation with the test R's `cor.test(method = "kendall")` performs: τ_b, and
/// for n < 50 without ties the exact permutation p-value, otherwise the normal approximation with
/// the tie-corrected variance of S (Kendall 1970, eq. 4.4), without continuity correction.
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
        if n < 50 && !ties {
            let q = ((tau + 1) * Double(n) * Double(n - 1) / 4).rounded(.toNearestOrEven)
            let distribution = exactDistribution(n)
            let lower = distribution.cumulative(atMost: Int(q))
            // P(T ≥ q) = P(T ≤ n₀ − q) by symmetry, summed directly rather than as 1 − P(T < q).
            let upper = distribution.cumulative(atMost: Int(n0) - Int(q))
            return KendallTest(tau: tau, s: s, z: nil, pValue: min(1, 2 * min(lower, upper)), exact: true)
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

    /// The null distribution of the number of concordant pairs among n untied observations
    /// (the Mahonian numbers, normalised), by the recursion P_n(c) = (1/n)·Σ_{j<n} P_{n−1}(c − j).
    struct Distribution {
        var probabilities: [Double]
        func cumulative(atMost c: Int) -> Double {
            if c < 0 { return 0 }
            if c >= probabilities.count - 1 { return 1 }
            return probabilities[0...c].reduce(0, +)
        }
    }

    static func exactDistribution(_ n: Int) -> Distribution {
        var p: [Double] = [1]
        if n < 2 { return Distribution(probabilities: p) }
        for m in 2...n {
            let size = p.count + m - 1
            var next = [Double](repeating: 0, count: size)
            // Direct sums keep full relative precision in the tails.
            for c in 0..<size {
                var sum = 0.0
                for j in 0..<m where c - j >= 0 && c - j < p.count { sum += p[c - j] }
                next[c] = sum / Double(m)
            }
            p = next
        }
        return Distribution(probabilities: p)
    }
}
