import Foundation
import MetaStats

/// Everything the report shows, gathered from the stages' artifacts.
public struct ReportInput: Codable, Sendable {
    public var pipeline: String
    public var title: String
    public var description: String?
    /// The pipeline file, as named on the command line.
    public var file: String
    public var metapipeVersion: String
    public var sources: [DataSourceRow]
    public var analyses: [AnalysisReport]
    public var syntheses: [SynthesisReport]
    public var comparisons: [ComparisonReport]
    public var unavailable: [Unavailable]
    public var warnings: [String]
    /// Risk-of-bias assessments (`risk-of-bias:`).
    public var riskOfBias: [RiskOfBiasReport] = []
    /// The PRISMA 2020 flow diagram (`prisma:`).
    public var prisma: Figure?
    /// The GRADE summary of findings (`summary-of-findings:`).
    public var summaryOfFindings: FindingsReport?

    public init(pipeline: String, title: String, description: String?, file: String, metapipeVersion: String,
                sources: [DataSourceRow], analyses: [AnalysisReport], syntheses: [SynthesisReport] = [],
                comparisons: [ComparisonReport] = [], unavailable: [Unavailable] = [], warnings: [String] = []) {
        self.pipeline = pipeline
        self.title = title
        self.description = description
        self.file = file
        self.metapipeVersion = metapipeVersion
        self.sources = sources
        self.analyses = analyses
        self.syntheses = syntheses
        self.comparisons = comparisons
        self.unavailable = unavailable
        self.warnings = warnings
    }

    public struct DataSourceRow: Codable, Sendable, Hashable {
        public var name: String
        public var path: String
        public var kind: String
        public var rows: Int
        public init(name: String, path: String, kind: String, rows: Int) {
            self.name = name; self.path = path; self.kind = kind; self.rows = rows
        }
    }

    public struct Unavailable: Codable, Sendable, Hashable {
        public var title: String
        public var reason: String
        public init(title: String, reason: String) { self.title = title; self.reason = reason }
    }
}

/// One analysis in the report.
public struct AnalysisReport: Codable, Sendable {
    public var result: ResultDocument
    public var description: String?
    public var labels: [String: String]
    public var tables: [String]
    /// Per study: the row's source (URL or reference) and any flag, for the data-sources table.
    public var studySources: [StudySource]
    public var figures: [Figure]
    /// The check against the statistics RevMan stored, when the analysis asks for one.
    public var verification: VerificationReport?

    public init(result: ResultDocument, description: String?, labels: [String: String], tables: [String],
                studySources: [StudySource], figures: [Figure], verification: VerificationReport? = nil) {
        self.result = result
        self.description = description
        self.labels = labels
        self.tables = tables
        self.studySources = studySources
        self.figures = figures
        self.verification = verification
    }

    public struct StudySource: Codable, Sendable, Hashable {
        public var study: String
        public var table: String
        public var line: Int
        public var source: String?
        public var flag: String?
        public var note: String?
        public init(study: String, table: String, line: Int, source: String?, flag: String?, note: String?) {
            self.study = study; self.table = table; self.line = line; self.source = source; self.flag = flag; self.note = note
        }
    }
}

/// A figure: its SVG text (inlined in the HTML) and the files written for it.
public struct Figure: Codable, Sendable, Hashable {
    public var kind: String
    public var caption: String
    public var svg: String?
    /// Output files relative to the pipeline's output folder ("empathy/forest.png").
    public var files: [String]
    public init(kind: String, caption: String, svg: String?, files: [String]) {
        self.kind = kind; self.caption = caption; self.svg = svg; self.files = files
    }
}

/// A qualitative meta-synthesis table and figure.
public struct SynthesisReport: Codable, Sendable {
    public var name: String
    public var title: String
    public var description: String?
    public var themes: [Theme]
    public var studies: [String]
    public var figure: Figure?
    public var table: String

    public struct Theme: Codable, Sendable, Hashable {
        public var name: String
        public var definition: String?
        public var studies: [String]
        public var examples: [String]
        public init(name: String, definition: String?, studies: [String], examples: [String]) {
            self.name = name; self.definition = definition; self.studies = studies; self.examples = examples
        }
    }

    public init(name: String, title: String, description: String?, themes: [Theme], studies: [String], figure: Figure?, table: String) {
        self.name = name; self.title = title; self.description = description; self.themes = themes
        self.studies = studies; self.figure = figure; self.table = table
    }
}

/// Published pooled results beside the pipeline's own.
public struct ComparisonReport: Codable, Sendable {
    public var name: String
    public var title: String
    public var rows: [Row]

    public struct Row: Codable, Sendable, Hashable {
        public var analysis: String
        public var label: String
        public var measure: EffectMeasure
        public var ours: Numbers?
        public var published: [Published]
        public var note: String?
        public init(analysis: String, label: String, measure: EffectMeasure, ours: Numbers?, published: [Published], note: String? = nil) {
            self.analysis = analysis; self.label = label; self.measure = measure; self.ours = ours; self.published = published
            self.note = note
        }
    }

    /// Numbers on the display scale.
    public struct Numbers: Codable, Sendable, Hashable {
        public var k: Int?
        public var estimate: Double
        public var ciLower: Double
        public var ciUpper: Double
        public var i2: Double?
        public init(k: Int?, estimate: Double, ciLower: Double, ciUpper: Double, i2: Double?) {
            self.k = k; self.estimate = estimate; self.ciLower = ciLower; self.ciUpper = ciUpper; self.i2 = i2
        }
    }

    public struct Published: Codable, Sendable, Hashable {
        public var review: String
        public var comparison: String
        public var numbers: Numbers
        public var source: String?
        public init(review: String, comparison: String, numbers: Numbers, source: String?) {
            self.review = review; self.comparison = comparison; self.numbers = numbers; self.source = source
        }
    }

    public init(name: String, title: String, rows: [Row]) {
        self.name = name; self.title = title; self.rows = rows
    }
}

/// Every statistic RevMan stored for an analysis, beside metapipe's value (`verify.csv`).
public struct VerificationReport: Codable, Sendable {
    public struct Row: Codable, Sendable, Hashable {
        /// overall, subgroup, test or study.
        public var level: String
        public var subgroup: String
        public var study: String
        public var statistic: String
        public var revman: Double?
        public var metapipe: Double?
        public var difference: Double?
        /// One of `VerificationReport.Status`' raw values.
        public var status: String
        /// Why a value is not checked (a total RevMan never computed, a known RevMan artefact).
        public var reason: String?
        public init(level: String, subgroup: String, study: String, statistic: String, revman: Double?, metapipe: Double?,
                    difference: Double?, status: String, reason: String? = nil) {
            self.level = level; self.subgroup = subgroup; self.study = study; self.statistic = statistic
            self.revman = revman; self.metapipe = metapipe; self.difference = difference; self.status = status
            self.reason = reason
        }
    }
    public var outcome: String
    public var precision: String
    public var tolerance: String
    public var calculated: Bool
    public var rows: [Row]
    /// What became of each statistic RevMan stored.
    public enum Status: String, Sendable, CaseIterable {
        /// metapipe's value agrees within the tolerance.
        case pass
        /// It does not, or metapipe has no value where RevMan computed one.
        case fail = "FAIL"
        /// RevMan stored a placeholder for a result it did not compute (totals switched off, a
        /// not-estimable analysis, subgroup or study): nothing to check, never counted as a pass.
        case notComputed = "not computed by RevMan"
        /// A value RevMan is known to store wrongly (I² = 100 for a single study, from a Q of 1e-30).
        case artefact = "RevMan artefact"
    }
    public var passed: Int { count(.pass) }
    public var failed: Int { count(.fail) }
    public var notComputed: Int { count(.notComputed) }
    public var artefacts: Int { count(.artefact) }
    public func count(_ status: Status) -> Int { rows.filter { $0.status == status.rawValue }.count }

    public init(outcome: String, precision: String, tolerance: String, calculated: Bool, rows: [Row]) {
        self.outcome = outcome; self.precision = precision; self.tolerance = tolerance; self.calculated = calculated; self.rows = rows
    }
}
