/// Brent's root finder (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 4; the
/// `zeroin` procedure of Forsythe, Malcolm & Moler 1977), which combines bisection, the secant
/// step and inverse quadratic interpolation.
///
/// It is the same method as R's `uniroot`, with the same stopping rule: stop when half the
/// bracketing interval is at most 2·ε·|b| + tol/2 or f(b) = 0. Estimators that metafor obtains with
/// `uniroot` (Paule–Mandel τ², Q-profile confidence limits) use it with metafor's bracket and
/// tolerance, so their results agree with metafor's to rounding error rather than to `tol`.
enum Brent {
    struct Result {
        var root: Double
        var iterations: Int
    }

    enum Failure: Error {
        case notBracketed
        case iterationLimit(Double)
    }

    /// Finds a root of `f` in [lower, upper]; f(lower) and f(upper) must have opposite signs
    /// (or one of them be zero).
    static func root(
        in lower: Double, _ upper: Double,
        tolerance tol: Double,
        maxIterations: Int,
        _ f: (Double) -> Double
    ) throws -> Result {
        let fLower = f(lower)
        let fUpper = f(upper)
        return try root(lower, upper, fLower, fUpper, tolerance: tol, maxIterations: maxIterations, f)
    }

    static func root(
        _ ax: Double, _ bx: Double, _ fax: Double, _ fbx: Double,
        tolerance tol: Double,
        maxIterations: Int,
        _ f: (Double) -> Double
    ) throws -> Result {
        let eps = Double.ulpOfOne
        var a = ax, b = bx
        var fa = fax, fb = fbx
        var c = a, fc = fa
        if fa == 0 { return Result(root: a, iterations: 0) }
        if fb == 0 { return Result(root: b, iterations: 0) }
        if (fa > 0) == (fb > 0) { throw Failure.notBracketed }
        var remaining = maxIterations + 1
        var used = 0
        while remaining > 0 {
            remaining -= 1
            let previousStep = b - a
            if abs(fc) < abs(fb) {
                // Keep b the best approximation.
                a = b; b = c; c = a
                fa = fb; fb = fc; fc = fa
            }
            let tolAct = 2 * eps * abs(b) + tol / 2
            var newStep = (c - b) / 2
            if abs(newStep) <= tolAct || fb == 0 {
                return Result(root: b, iterations: used)
            }
            // Try interpolation when the previous step was large enough and in the right direction.
            if abs(previousStep) >= tolAct && abs(fa) > abs(fb) {
                var p: Double
                var q: Double
                let cb = c - b
                if a == c {
                    // Linear (secant) interpolation.
                    let t1 = fb / fa
                    p = cb * t1
                    q = 1 - t1
                } else {
                    // Inverse quadratic interpolation.
                    let qa = fa / fc
                    let t1 = fb / fc
                    let t2 = fb / fa
                    p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1))
                    q = (qa - 1) * (t1 - 1) * (t2 - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if p < 0.75 * cb * q - abs(tolAct * q) / 2 && p < abs(previousStep * q / 2) {
                    newStep = p / q
                }
            }
            if abs(newStep) < tolAct {
                newStep = newStep > 0 ? tolAct : -tolAct
            }
            a = b
            fa = fb
            b += newStep
            fb = f(b)
            used += 1
            if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
                c = a
                fc = fa
            }
        }
        throw Failure.iterationLimit(b)
    }
}
