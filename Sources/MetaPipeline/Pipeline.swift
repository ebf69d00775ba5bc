import Foundation
import MetaStats

/// A validated pipeline: every name resolved, every table read, every selected row readable as a
/// study. Running it cannot fail on input that validation could have caught.
public struct Pipeline: Sendable {
    public var name: String
    public var title: String
    public var description: String?
    /// The pipeline file, as named on the command line.
    public var file: String
    public var sources: [DataSource]
    /// Tables by name, as read during validation.
    public var tables: [String: LoadedTable]
    public var labels: Labels
    public var analyses: [Analysis]
    public var syntheses: [Synthesis]
    public var comparisons: [Comparison]
    public var unavailable: [UnavailablePool]
    public var warnings: [Diagnostic]
    /// `risk-of-bias:` assessments.
    public var riskOfBias: [RiskOfBiasAssessment] = []
    /// `prisma:` the counts of the flow diagram.
    public var prisma: PrismaFlow?
    /// `summary-of-findings:` the GRADE table.
    public var summaryOfFindings: SummaryOfFindings?
    /// The bytes of every file the pipeline was built from (the pipeline file and its data files), by
    /// path, as they were read: what a later run compares to know the pipeline is unchanged.
    public var inputFiles: [String: Data] = [:]
    /// The files found in each folder read (a RevMan Web data package), by folder: a file added to
    /// or removed from the package changes the pipeline too.
    public var inputListings: [String: [String]] = [:]
}

/// One meta-analysis of the pipeline.
public struct Analysis: Sendable {
    public var name: String
    public var title: String
    public var description: String?
    /// Where the analysis is defined in the pipeline file.
    public var origin: SourceLocation
    public var selection: SelectionSpec
    public var settings: ResolvedSettings
    public var labels: Labels
    public var subgroups: [String]
    public var leaveOneOut: Bool
    public var cumulative: Bool
    public var scenarios: [Scenario]
    public var bias: [BiasCheck]
    public var plots: [PlotSpec]
    /// Comparison with the statistics RevMan stored for the same analysis.
    public var verify: VerifySpec?
    /// The studies as validation selected them (the stages select them again from the tables).
    public var studies: [SelectedStudy]
    /// Validation found at least one study with an estimable effect (false: the analysis is reported
    /// as not estimable, as RevMan shows it, and has no figures).
    public var estimable: Bool = true
    /// `totals:` which pooled totals the analysis reports (RevMan's TOTALS attribute).
    public var totals: Totals = .overall
    /// `scale: log`: a generic measure whose yi are log ratios (hazard ratios, ratios of means…),
    /// pooled on the log scale and shown exponentiated.
    public var scale: EffectScale = .linear
    /// `moderators:` columns of a meta-regression (numeric covariates or factors).
    public var moderators: [String] = []
    /// `sensitivity: {influence: true}`: metafor's influence diagnostics (implied by a Baujat plot).
    public var influence: Bool = false
    /// `sensitivity: {gosh: …}`: the model fitted to subsets of the studies (implied by a GOSH plot).
    public var gosh: GoshSpec?
}

/// `gosh: true` or `gosh: {subsets: N}`: every non-empty subset when there are at most `subsets`
/// of them, otherwise `subsets` random subsets from a fixed seed.
public struct GoshSpec: Sendable, Codable, Hashable {
    public var subsets: Int
    public init(subsets: Int = Gosh.defaultSubsets) { self.subsets = subsets }
}

/// `verify: {outcome: "1.1", results: results, settings: outcomes}`: check every statistic RevMan
/// stored for analysis 1.1 (in the results table, as `metapipe import` writes it) against ours.
public struct VerifySpec: Sendable, Codable, Hashable {
    public var outcome: String
    public var resultsTable: String
    public var settingsTable: String
}

/// A sensitivity scenario: the analysis refitted under other settings or rows.
public struct Scenario: Sendable {
    public var name: String
    public var description: String?
    public var origin: SourceLocation
    public var selection: SelectionSpec
    public var settings: ResolvedSettings
    /// Which settings and rows differ from the main analysis, in words.
    public var changes: [String]
    public var studies: [SelectedStudy]
    /// The moderators of the scenario's meta-regression: the analysis' unless it sets `moderators:`.
    public var moderators: [String] = []
}

/// A qualitative meta-synthesis: reported themes grouped into analytic themes by a mapping table.
public struct Synthesis: Sendable {
    public var name: String
    public var title: String
    public var description: String?
    public var origin: SourceLocation
    /// The table of reported themes (one row per theme) and the mapping table.
    public var themesTable: String
    public var mappingTable: String
    /// Optional table of analytic themes with a `definition` column.
    public var definitionsTable: String?
    public var studyColumn: String
    public var themeColumn: String
    public var analyticColumn: String
}

/// Published pooled results set beside the pipeline's own (`comparisons:`).
public struct Comparison: Sendable {
    public var name: String
    public var title: String
    public var origin: SourceLocation
    public var table: String
    public var rows: [ComparisonRow]
}

public struct ComparisonRow: Sendable, Codable, Hashable {
    /// The pipeline's analysis (and optionally subgroup column and value) to compare.
    public var analysis: String
    public var subgroup: String?
    public var group: String?
    /// Rows of the published table to set beside it.
    public var match: Match
    /// A caveat shown with the row (e.g. a different design or scale).
    public var note: String?
}

/// A pool the pipeline does not compute, with the reason (`not-pooled:`).
public struct UnavailablePool: Sendable, Codable, Hashable {
    public var title: String
    public var reason: String
}
