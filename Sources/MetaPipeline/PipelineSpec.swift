import MetaStats

/// What to do with a row that lacks a value the analysis needs (`missing:`).
public enum MissingPolicy: String, CaseIterable, Sendable, Codable, Hashable {
    /// Stop with an error naming the empty cells (the default).
    case error
    /// Leave the row out, with one warning listing the studies and columns; the study is listed as
    /// left out in result.json and the report.
    case drop
}

/// Kinds of data source a pipeline can name.
public enum DataKind: String, CaseIterable, Sendable, Codable, Hashable {
    case csv
    /// One sheet of an Excel workbook.
    case xlsx
    case revman5
    case revmanWeb = "revman-web"
}

/// Small-study checks.
public enum BiasCheck: String, CaseIterable, Sendable, Codable, Hashable {
    case egger, begg, trimfill
}

/// Figures an analysis can draw.
public enum PlotKind: String, CaseIterable, Sendable, Codable, Hashable {
    case forest, funnel
    case leaveOneOut = "leave-one-out"
    /// The cumulative meta-analysis, one row per study added.
    case cumulative
    /// The effects against the first numeric moderator of a meta-regression, with its fitted line.
    case bubble
    /// Each study's contribution to Q against its influence on the pooled result (Baujat et al. 2002).
    case baujat
    /// The estimate against I² of the model fitted to subsets of the studies (Olkin et al. 2012).
    case gosh
}

/// Image formats for figures.
public enum ImageFormat: String, CaseIterable, Sendable, Codable, Hashable {
    case png, svg, pdf
}

/// One equality condition on a column: the cell must equal one of `values`.
public struct Condition: Sendable, Codable, Hashable {
    public var column: String
    public var values: [String]
    public init(column: String, values: [String]) {
        self.column = column
        self.values = values
    }
}

/// A conjunction of conditions (one `exclude` or `include` entry).
public typealias Match = [Condition]

/// A scenario's change to one value of matching rows (e.g. a corrected n).
public struct Override: Sendable, Codable, Hashable {
    public var match: Match
    public var values: [String: String]
}

/// Settings that may be given at any level (profile defaults < `defaults` < analysis < scenario).
/// Nil means "inherit".
public struct SettingsSpec: Sendable, Codable, Hashable {
    public var profile: Profile?
    public var measure: EffectMeasure?
    public var smd: SMDConvention?
    public var model: PoolingModel?
    public var method: PoolingMethod?
    public var test: TestMethod?
    public var level: Double?
    public var i2: I2Definition?
    public var predictionInterval: Bool?
    public var tau2ConfidenceInterval: Bool?
    public var convergence: Convergence?
    public var direction: Direction?
    public var missing: MissingPolicy?
    /// The pre–post correlation for change measures (MC, SMCR, SMCC) of studies that give no r.
    public var prePostR: Double?

    public init() {}

    static let keys = ["profile", "measure", "smd", "model", "method", "test", "level", "i2", "prediction-interval",
                       "tau2-ci", "convergence", "direction", "missing", "prepost-r"]

    /// `other`'s settings where given, else these. A level that names a profile takes every
    /// convention that profile fixes (SMD, method, test, I², prediction interval, τ² CI,
    /// convergence), as if written at that level: keys given beside it at the same level still win,
    /// but those of the levels before it do not.
    public func overridden(by other: SettingsSpec) -> SettingsSpec {
        var s = self
        if other.profile != nil {
            s.smd = nil; s.method = nil; s.test = nil; s.i2 = nil
            s.predictionInterval = nil; s.tau2ConfidenceInterval = nil; s.convergence = nil
        }
        s.profile = other.profile ?? s.profile
        s.measure = other.measure ?? s.measure
        s.smd = other.smd ?? s.smd
        s.model = other.model ?? s.model
        s.method = other.method ?? s.method
        s.test = other.test ?? s.test
        s.level = other.level ?? s.level
        s.i2 = other.i2 ?? s.i2
        s.predictionInterval = other.predictionInterval ?? s.predictionInterval
        s.tau2ConfidenceInterval = other.tau2ConfidenceInterval ?? s.tau2ConfidenceInterval
        s.convergence = other.convergence ?? s.convergence
        s.direction = other.direction ?? s.direction
        s.missing = other.missing ?? s.missing
        s.prePostR = other.prePostR ?? s.prePostR
        return s
    }
}

/// Group and axis labels of figures and tables.
public struct LabelsSpec: Sendable, Codable, Hashable {
    public var experimental: String?
    public var control: String?
    public var favoursExperimental: String?
    public var favoursControl: String?
    public init() {}

    static let keys = ["experimental", "control", "favours-experimental", "favours-control"]

    public func overridden(by other: LabelsSpec) -> LabelsSpec {
        var l = self
        l.experimental = other.experimental ?? experimental
        l.control = other.control ?? control
        l.favoursExperimental = other.favoursExperimental ?? favoursExperimental
        l.favoursControl = other.favoursControl ?? favoursControl
        return l
    }
}

/// Labels with every default filled in.
public struct Labels: Sendable, Codable, Hashable {
    public var experimental: String
    public var control: String
    public var favoursExperimental: String
    public var favoursControl: String

    public init(_ spec: LabelsSpec) {
        experimental = spec.experimental ?? "Experimental"
        control = spec.control ?? "Control"
        favoursExperimental = spec.favoursExperimental ?? "Favours \(experimental.lowercasedFirstWordIfGeneric)"
        favoursControl = spec.favoursControl ?? "Favours \(control.lowercasedFirstWordIfGeneric)"
    }
}

extension String {
    /// "Experimental" → "experimental" (RevMan's "Favours experimental"), names kept as written.
    var lowercasedFirstWordIfGeneric: String {
        ["Experimental", "Control", "Intervention", "Treatment"].contains(self) ? lowercased() : self
    }
}

/// A data source named in `data:`.
public struct DataSource: Sendable, Codable, Hashable {
    /// The table's name.
    public var name: String
    /// Path relative to the working folder (the pipeline file's folder joined with the given path).
    public var path: String
    public var kind: DataKind
    /// The name the source has in `data:` (a RevMan source gives several tables).
    public var origin: String
    /// The sheet of an .xlsx workbook (nil: the first sheet).
    public var sheet: String?

    public init(name: String, path: String, kind: DataKind, origin: String? = nil, sheet: String? = nil) {
        self.name = name
        self.path = path
        self.kind = kind
        self.origin = origin ?? name
        self.sheet = sheet
    }
}

/// Rows of the pipeline's tables that make up an analysis (or a scenario of it).
public struct SelectionSpec: Sendable, Codable, Hashable {
    public var tables: [String]
    public var conditions: [Condition]
    public var exclude: [Match]
    /// Rows the analysis excluded that a scenario brings back.
    public var include: [Match]
    public var overrides: [Override]
    /// Role → column renames (`columns:`).
    public var columns: [String: String]
    /// `repeated-studies: number`: rows that share a study name (a multi-arm trial split into
    /// comparisons, a trial in two subgroups) are all kept, labelled "name (1)", "name (2)", … in row
    /// order. nil: a repeated name is an error.
    public var repeatedStudies: RepeatedStudies?
    /// Rows lacking a value the analysis needs: an error, or left out.
    public var missing: MissingPolicy = .error

    public init(tables: [String], conditions: [Condition] = [], exclude: [Match] = [], include: [Match] = [],
                overrides: [Override] = [], columns: [String: String] = [:], repeatedStudies: RepeatedStudies? = nil) {
        self.tables = tables
        self.conditions = conditions
        self.exclude = exclude
        self.include = include
        self.overrides = overrides
        self.columns = columns
        self.repeatedStudies = repeatedStudies
    }
}

/// What to do with rows of one analysis that name the same study.
public enum RepeatedStudies: String, Sendable, Codable, Hashable, CaseIterable {
    /// Keep every row, numbering the labels of a repeated name in row order: "Smith 2001 (1)", "Smith 2001 (2)".
    case number
}

/// A figure to draw.
public struct PlotSpec: Sendable, Codable, Hashable {
    public var kind: PlotKind
    public var formats: [ImageFormat]
    public var dpi: Double
    /// The effect axis (display scale); nil chooses it from the data.
    public var axis: PlotAxisSpec?
    /// The order of the study rows (forest plots).
    public var sort: PlotSort?
    /// Decimals of the effect column.
    public var digits: Int?
    /// The measure's name in the headers, e.g. "Hazard ratio".
    public var measureLabel: String?
    /// The scale of a generic measure's axis (log: the estimates are logs, shown exponentiated).
    public var scale: PlotScaleKind?
    /// Subgroup column → value → heading of its section.
    public var subgroupLabels: [String: [String: String]]?
    /// The risk-of-bias assessment whose judgements a forest plot shows beside it (RevMan's columns).
    public var riskOfBias: String?

    public init(kind: PlotKind, formats: [ImageFormat] = [.png, .svg], dpi: Double = 150) {
        self.kind = kind
        self.formats = formats
        self.dpi = dpi
    }
}

/// A user-chosen effect axis: ends and ticks on the display scale (ratios as ratios).
public struct PlotAxisSpec: Sendable, Codable, Hashable {
    public var min: Double
    public var max: Double
    public var ticks: [Double]?
    public init(min: Double, max: Double, ticks: [Double]? = nil) {
        self.min = min
        self.max = max
        self.ticks = ticks
    }
}

/// Study order in a forest plot.
public enum PlotSort: String, CaseIterable, Sendable, Codable, Hashable {
    case none, weight, effect, year
}

/// The scale of an effect axis.
public enum PlotScaleKind: String, CaseIterable, Sendable, Codable, Hashable {
    case linear, log
}

/// Settings with every value decided.
public struct ResolvedSettings: Sendable, Codable, Hashable {
    public var profile: Profile
    public var measure: EffectMeasure
    public var smd: SMDConvention
    public var pooling: PoolingOptions
    public var direction: Direction
    public var missing: MissingPolicy
    /// `prepost-r`: the pre–post correlation of change-measure studies that give none (nil: none set).
    public var prePostR: Double?

    /// Resolves against the profile: an explicit setting wins, then the profile's default.
    public init(_ spec: SettingsSpec) {
        let profile = spec.profile ?? .metafor
        let p = profile.settings
        let measure = spec.measure ?? .smd
        let model = spec.model ?? .random
        var method: PoolingMethod
        if let m = spec.method {
            method = m
        } else if model == .fixed {
            method = measure.isBinary ? p.binaryFixedMethod : .iv
        } else {
            method = p.method
        }
        if model == .fixed, method.tauEstimator != nil { method = .iv }
        self.profile = profile
        self.measure = measure
        self.smd = spec.smd ?? p.smd
        self.pooling = PoolingOptions(model: model, method: method, test: spec.test ?? p.test, level: spec.level ?? 95,
                                      i2: spec.i2 ?? p.i2, predictionInterval: spec.predictionInterval ?? p.predictionInterval,
                                      tau2ConfidenceInterval: spec.tau2ConfidenceInterval ?? p.tau2ConfidenceInterval,
                                      convergence: spec.convergence ?? p.convergence)
        if model == .fixed { pooling.predictionInterval = false }
        if p.normalTail != .exact { pooling.normalTail = p.normalTail }
        pooling.zeroCells = p.zeroCells
        self.direction = spec.direction ?? (measure.isBinary ? .lower : .higher)
        self.missing = spec.missing ?? .error
        self.prePostR = spec.prePostR
    }
}
