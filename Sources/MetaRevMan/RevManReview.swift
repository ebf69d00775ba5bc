import Foundation
import MetaStats

/// A RevMan review as metapipe needs it: its analyses (RevMan "outcomes"), their settings, their
/// study rows, and every statistic RevMan stored for them. Built from a RevMan 5 file (`.rm5`) or
/// a RevMan Web data package.
public struct RevManReview: Sendable {
    public enum Format: String, Sendable, Codable { case revman5, revmanWeb = "revman-web" }

    public var title: String
    public var format: Format
    public var outcomes: [RevManOutcome]
    /// What was read but not imported, and why.
    public var skipped: [RevManNote]
}

/// A located note about a RevMan file (an error or a skipped part).
public struct RevManNote: Sendable, Hashable, Error, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String
    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// One RevMan analysis ("outcome" in RevMan 5's file format).
public struct RevManOutcome: Sendable {
    public enum DataType: String, Sendable, Codable { case dichotomous, continuous, generic = "generic inverse variance" }

    /// "1.1": comparison number and outcome number.
    public var id: String
    public var comparison: String
    public var name: String
    public var dataType: DataType
    /// RevMan's code for the measure: OR, RR, RD, PETO_OR, MD, SMD.
    public var revmanMeasure: String
    /// MH, IV or PETO.
    public var revmanMethod: String
    public var random: Bool
    /// Confidence levels for the studies and the totals, in percent.
    public var ciStudy: Double
    public var ciTotal: Double
    public var groupLabels: (experimental: String, control: String)
    public var graphLabels: (left: String, right: String)
    /// RevMan computed and stored results for this analysis (false for analyses never calculated).
    public var calculated: Bool
    /// RevMan's "Totals" option: YES (overall and subgroup totals), SUB (subgroup totals only) or NO.
    public var totals: String = "YES"
    /// Generic inverse variance: the study estimates are logs of ratios (LOG_DATA="YES"), pooled on the
    /// log scale and shown exponentiated. RevMan 5 assumes log data when the attribute is absent.
    public var logData: Bool = true
    /// RevMan marked the analysis ESTIMABLE="NO" (it stored zeros in place of its totals).
    public var estimable: Bool = true
    /// The measure's name as RevMan shows it for generic inverse-variance data ("Hazard Ratio").
    public var measureName: String?
    /// RevMan Web: the heterogeneity (τ²) estimator ("REML", "DL") of a random-effects analysis.
    public var tauEstimator: String?
    /// RevMan Web: "Wald" or "HKSJ" (Hartung–Knapp–Sidik–Jonkman) confidence intervals.
    public var ciMethod: String?
    /// RevMan Web: whether a prediction interval is shown.
    public var predictionInterval: Bool?
    /// Statistics RevMan stored for the whole analysis, by metapipe's statistic names.
    public var statistics: [String: Double]
    /// RevMan's test for subgroup differences, when there are subgroups.
    public var subgroupTest: [String: Double]
    public var subgroups: [RevManSubgroup]
    public var rows: [RevManRow]
    /// Where the analysis is in its file.
    public var file: String
    public var line: Int?

    /// The measure metapipe computes.
    public var measure: EffectMeasure? {
        if dataType == .generic { return .generic }
        switch revmanMeasure {
        case "OR", "PETO_OR": return .or
        case "RR": return .rr
        case "RD": return .rd
        case "MD": return .md
        case "SMD": return .smd
        default: return dataType == .generic ? .generic : nil
        }
    }

    /// The pooling method metapipe uses.
    public var method: PoolingMethod {
        switch revmanMethod {
        case "MH": return .mh
        case "PETO": return .peto
        default: return random ? .dl : .iv
        }
    }
}

public struct RevManSubgroup: Sendable {
    public var name: String
    public var statistics: [String: Double]
    /// RevMan marked the subgroup ESTIMABLE="NO".
    public var estimable: Bool = true
}

/// A study's row in an analysis: what it reports and what RevMan computed for it.
public struct RevManRow: Sendable {
    public var study: String
    public var year: String
    public var studyID: String
    public var subgroup: String?
    /// Values by metapipe's column roles (events1, total1, mean1, sd1, n1, yi, se, …).
    public var values: [String: Double]
    /// Statistics RevMan stored for the study (estimate, ci_lower, ci_upper, se, variance, weight).
    public var statistics: [String: Double]
    public var footnote: String?
    public var line: Int?
    /// RevMan marked the study's row ESTIMABLE="NO" (e.g. no events in either arm).
    public var estimable: Bool = true
    /// The label the row has in its analysis: the study name, or "name (1)", "name (2)", … when the
    /// analysis has several rows of one study (a multi-arm trial, or one trial in two subgroups).
    public var label: String = ""
}

/// Metapipe's names for the statistics RevMan stores.
public enum RevManStatistic {
    /// Outcome and subgroup level.
    public static let pooled = ["estimate", "ci_lower", "ci_upper", "z", "p_z", "chi2", "df", "p_chi2", "i2", "tau2"]
    /// Test for subgroup differences.
    public static let test = ["q_between", "df_between", "p_between", "i2_between"]
    /// Study level.
    public static let study = ["estimate", "ci_lower", "ci_upper", "se", "variance", "weight"]
}

extension RevManOutcome {
    /// Gives every row a distinct label: a study with one row keeps its name; a study with several
    /// rows in the analysis (RevMan keeps each: a multi-arm trial compared twice, one trial in two
    /// subgroups) gets "name (1)", "name (2)", … in the order RevMan lists them.
    mutating func labelRows() {
        var count: [String: Int] = [:]
        for r in rows { count[r.study, default: 0] += 1 }
        let names = Set(rows.map(\.study))
        var seen: [String: Int] = [:]
        for i in rows.indices {
            let name = rows[i].study
            guard count[name, default: 0] > 1 else {
                rows[i].label = name
                continue
            }
            var n = seen[name, default: 0]
            var label: String
            repeat {
                n += 1
                label = "\(name) (\(n))"
            } while names.contains(label)
            seen[name] = n
            rows[i].label = label
        }
    }

    /// Several rows share a study name.
    public var hasRepeatedStudies: Bool { Set(rows.map(\.study)).count < rows.count }
}
