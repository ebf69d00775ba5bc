import Foundation

/// Numbers for people: the conventions of RevMan's forest plots and of published reports.
/// Shared by the plots and the report so that a figure and its table never disagree.
public enum Format {
    /// `x` with a fixed number of decimals, never "-0.00".
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        var text = String(format: "%.\(digits)f", x)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { text.removeFirst() }
        return text
    }

    /// A p-value as RevMan prints it: 2 decimals from 0.01, then as many as the first significant
    /// digit needs down to 0.00001, below which "< 0.00001". Returns the clause after "P".
    /// Examples: "= 0.13", "= 0.001", "= 0.0004", "< 0.00001".
    public static func pClause(_ p: Double) -> String {
        if p < 0.00001 { return "< 0.00001" }
        if p >= 0.01 {
            let text = fixed(p, 2)
            return text == "1.00" ? "= 1.00" : "= \(text)"
        }
        for digits in 3...5 where p >= pow(10, Double(-digits)) {
            return "= \(fixed(p, digits))"
        }
        return "= \(fixed(p, 5))"
    }

    /// "P = 0.13" / "P < 0.00001".
    public static func p(_ p: Double) -> String { "P \(pClause(p))" }

    /// A count with thousands separators (1048576 → "1,048,576").
    public static func grouped(_ n: Int) -> String {
        var digits = Array(String(n.magnitude)), out = ""
        while digits.count > 3 { out = "," + String(digits.suffix(3)) + out; digits.removeLast(3) }
        return (n < 0 ? "-" : "") + String(digits) + out
    }

    /// A percentage with `digits` decimals and a % sign ("39.7%").
    public static func percent(_ x: Double, _ digits: Int = 1) -> String { "\(fixed(x, digits))%" }

    /// A value as it would be typed in a data sheet: integers without decimals, other numbers in
    /// their shortest exact form ("12", "0.27", "111.9").
    public static func data(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// An effect with its interval in RevMan's style: "0.72 [0.49, 1.06]".
    public static func interval(_ estimate: Double, _ lower: Double, _ upper: Double, digits: Int = 2) -> String {
        "\(fixed(estimate, digits)) [\(fixed(lower, digits)), \(fixed(upper, digits))]"
    }
}

extension Format {
    /// `x` to `digits` significant digits, in plain decimals where readable ("0.309", "205",
    /// "0.0000187" → "1.87e-5").
    public static func significant(_ x: Double, _ digits: Int = 3) -> String {
        if x == 0 { return "0" }
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
        let magnitude = Int(floor(log10(abs(x))))
        if magnitude < -4 || magnitude >= 7 {
            let mantissa = x / pow(10, Double(magnitude))
            return "\(fixed(mantissa, digits - 1))e\(magnitude)"
        }
        let decimals = max(0, digits - 1 - magnitude)
        return fixed(x, decimals)
    }

    /// The number of decimals RevMan shows for a measure's estimates: 3 for risk differences, 2 otherwise.
    public static func decimals(forMeasure code: String) -> Int { code == "RD" ? 3 : 2 }
}

/// Whether the only line breaks in `text` are line feeds: no CR, VT, FF, NEL, U+2028 or U+2029.
public func onlyLineFeeds(_ text: String) -> Bool {
    var previous: UInt8 = 0, beforePrevious: UInt8 = 0
    for byte in text.utf8 {
        if byte == 0x0B || byte == 0x0C || byte == 0x0D { return false }
        if byte == 0x85 && previous == 0xC2 { return false }
        if (byte == 0xA8 || byte == 0xA9) && previous == 0x80 && beforePrevious == 0xE2 { return false }
        beforePrevious = previous
        previous = byte
    }
    return true
}
