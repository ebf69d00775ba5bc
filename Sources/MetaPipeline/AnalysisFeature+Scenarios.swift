import MetaStats
import Yams

/// `sensitivity: {scenarios: [...]}`: the analysis refitted under other settings or rows, each
/// scenario read once the analysis's rows are checked (it reports what it changes against them).
extension Loader {
    static let scenarioKeys = ["name", "description", "where", "exclude", "include", "set", "risk-of-bias", "moderators"] + SettingsSpec.keys

    /// The scenarios of an analysis; two may not share a name.
    mutating func readScenarios(_ nodes: [Node], of a: AnalysisDraft) -> [Scenario] {
        var scenarios: [Scenario] = []
        for (index, scenarioNode) in nodes.enumerated() {
            if let s = readScenario(scenarioNode, index: index, analysis: a.what, base: a.analysis.selection, baseSettings: a.settingsSpec,
                                    mainSettings: a.analysis.settings, moderators: a.analysis.moderators,
                                    columns: a.allLoaded ? a.columns : [], tablesDescription: a.tablesDescription,
                                    subgroups: a.analysis.subgroups, checkRows: a.rowsCheckable) {
                if scenarios.contains(where: { $0.name == s.name }) {
                    reader.error(scenarioNode, "two scenarios of \(a.what) are named '\(s.name)'; names must differ")
                } else {
                    var s = s
                    s.changes += Self.studyChanges(from: a.analysis.studies, to: s.studies, rowsChecked: !s.studies.isEmpty)
                    scenarios.append(s)
                }
            }
        }
        return scenarios
    }

    mutating func readScenario(_ node: Node, index: Int, analysis: String, base: SelectionSpec, baseSettings: SettingsSpec,
                               mainSettings: ResolvedSettings, moderators baseModerators: [String], columns: Set<String>,
                               tablesDescription: String,
                               subgroups: [String], checkRows: Bool) -> Scenario? {
        let what = "scenario \(index + 1) of \(analysis)"
        guard let pairs = reader.mapping(node, what) else { return nil }
        let errorsBefore = errorCount
        reader.checkKeys(pairs, allowed: Loader.scenarioKeys, in: what)
        reader.require(["name"], in: pairs, at: node, what: what)
        func value(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }
        guard let nameNode = value("name"), let name = reader.name(nameNode, "the scenario name") else { return nil }
        let named = "scenario '\(name)' of \(analysis)"
        var selection = base
        var changes: [String] = []
        var entries = EntryNodes()
        if let n = value("where") {
            let overrides = readConditions(n, "'where' of \(named)", columns: columns, tablesDescription: tablesDescription)
            let valueNodes = EntryNodes.conditionValues(n)
            for (i, c) in overrides.enumerated() {
                selection.conditions.removeAll { $0.column == c.column }
                selection.conditions.append(c)
                changes.append("\(c.column) = \(c.values.joined(separator: " or "))")
                if valueNodes.count == overrides.count { entries.conditions.append((c, valueNodes[i])) }
            }
        }
        let lists: [(key: String, verb: String, selected: WritableKeyPath<SelectionSpec, [Match]>,
                     entries: WritableKeyPath<EntryNodes, [(Int, Node)]>)] =
            [("exclude", "excluding", \.exclude, \.exclude), ("include", "including", \.include, \.include)]
        for list in lists {
            guard let n = value(list.key) else { continue }
            let m = readMatches(n, "'\(list.key)' of \(named)", columns: columns, tablesDescription: tablesDescription)
            let nodes = EntryNodes.items(n)
            if nodes.count == m.count {
                for (i, node) in nodes.enumerated() { entries[keyPath: list.entries].append((selection[keyPath: list.selected].count + i, node)) }
            }
            selection[keyPath: list.selected] += m
            changes += m.map { "\(list.verb) " + describe($0) }
        }
        if let n = value("risk-of-bias") { applyRiskOfBiasFilter(n, to: &selection, changes: &changes, what: named) }
        var setNodes: [Node] = []
        if let n = value("set") {
            let items: [Node]
            if case .mapping = n { items = [n] } else { items = reader.list(n, "'set' of \(named)") ?? [] }
            for item in items {
                guard let fields = reader.mapping(item, "each entry of 'set'") else { continue }
                guard let whereField = fields.first(where: { $0.key == "where" }) else {
                    reader.error(item, "each 'set' entry needs a 'where' mapping that picks the rows to change, e.g. {where: {study: Cheng 2019}, n2: 240}")
                    continue
                }
                let match = readConditions(whereField.value, "'where' of a 'set' entry", columns: columns, tablesDescription: tablesDescription)
                var values: [String: String] = [:]
                for field in fields where field.key != "where" {
                    checkColumn(field.key, node: field.keyNode, columns: columns, tablesDescription: tablesDescription)
                    if let v = reader.string(field.value, "the new value of '\(field.key)'") { values[field.key] = v }
                }
                if values.isEmpty { reader.error(item, "this 'set' entry changes nothing; add column: value pairs beside 'where'") }
                selection.overrides.append(Override(match: match, values: values))
                setNodes.append(item)
                changes += values.sorted(by: { $0.key < $1.key }).map { "\($0.key) = \($0.value) where \(describe(match))" }
            }
        }
        // `moderators:` replaces the analysis' moderators for this scenario ([] fits no meta-regression).
        var moderators = baseModerators
        let moderatorsNode = value("moderators")
        if let n = moderatorsNode {
            let listed = readColumnList(n, "'moderators' of \(named)", role: "moderator", columns: columns,
                                        tablesDescription: tablesDescription, check: true)
            if listed != baseModerators {
                changes.append(listed.isEmpty ? "no meta-regression" : "moderators \(listed.joined(separator: ", "))")
            }
            moderators = listed
        }
        let beforeSettings = errorCount
        let scenarioSpec = readSettings(pairs)
        let settingsRead = errorCount == beforeSettings
        let settings = ResolvedSettings(baseSettings.overridden(by: scenarioSpec))
        selection.missing = settings.missing
        changes += settingChanges(from: mainSettings, to: settings)
        checkSettings(settings, at: nameNode, what: named, pairs: pairs, inherited: "the analysis", main: mainSettings)
        let clean = errorCount == errorsBefore && damagedTables.isDisjoint(with: selection.tables)
        if changes.isEmpty && clean { reader.warning(nameNode, "\(named) changes nothing; it repeats the main analysis") }
        var studies: [SelectedStudy] = []
        if checkRows && settingsRead {
            let plain = tables.mapValues(\.table)
            let (selected, allProblems, hits) = Selection.selectCounting(selection, tables: plain, measure: settings.measure,
                                                                         subgroupColumns: [], index: selectionIndex)
            let (missingDropped, _, problems) = Selection.separateMissing(allProblems)
            report(problems, at: nameNode, index: { setNodes.indices.contains($0) ? setNodes[$0] : nil })
            if settings.missing != mainSettings.missing { warnDropped(missingDropped, at: nameNode, what: named) }
            if clean { reportUnmatched(selection, hits: hits, entries: entries, what: named) }
            let (effects, _, effectProblems) = Selection.effectSizes(selected, spec: selection, tables: plain,
                                                                     measure: settings.measure, smd: settings.smd,
                                                                       zeroCells: settings.pooling.zeroCells,
                                                                       prePostR: settings.prePostR)
            report(effectProblems, at: nameNode)
            requireCounts(effects, settings: settings, what: named)
            if problems.isEmpty && effectProblems.isEmpty && clean {
                if effects.isEmpty {
                    reader.error(nameNode, "\(named) leaves no study to pool")
                }
            }
            studies = selected
            if !moderators.isEmpty, !effects.isEmpty, problems.isEmpty && effectProblems.isEmpty && clean {
                checkRegression(moderators, studies: effects.map(\.0), settings: settings, at: moderatorsNode ?? nameNode, what: named)
            }
        }
        let description = value("description").flatMap { reader.string($0, "'description'") }
        return Scenario(name: name, description: description, origin: reader.location(nameNode), selection: selection,
                        settings: settings, changes: changes, studies: studies, moderators: moderators)
    }

    /// What a scenario's rows actually change, in words: the studies it leaves out and adds
    /// compared with the main analysis ("leaves out Song 2022"), so the report describes what ran.
    static func studyChanges(from main: [SelectedStudy], to scenario: [SelectedStudy], rowsChecked: Bool) -> [String] {
        guard rowsChecked else { return [] }
        let before = main.map(\.input.study), after = scenario.map(\.input.study)
        let kept = Set(after), had = Set(before)
        let left = before.filter { !kept.contains($0) }, added = after.filter { !had.contains($0) }
        var out: [String] = []
        if !left.isEmpty { out.append("leaves out " + left.joined(separator: ", ")) }
        if !added.isEmpty { out.append("adds " + added.joined(separator: ", ")) }
        return out
    }

    func settingChanges(from a: ResolvedSettings, to b: ResolvedSettings) -> [String] {
        var changes: [String] = []
        if a.profile != b.profile { changes.append("profile \(b.profile.rawValue)") }
        if a.measure != b.measure { changes.append("measure \(b.measure.rawValue)") }
        if a.smd != b.smd { changes.append("SMD convention \(b.smd.rawValue)") }
        if a.pooling.model != b.pooling.model { changes.append("\(b.pooling.model.rawValue)-effect\(b.pooling.model == .random ? "s" : "") model") }
        if a.pooling.method != b.pooling.method { changes.append("method \(b.pooling.method.rawValue)") }
        if a.pooling.test != b.pooling.test { changes.append(b.pooling.test == .knha ? "Hartung–Knapp test" : "z test") }
        if a.pooling.level != b.pooling.level { changes.append("\(Int(b.pooling.level))% intervals") }
        if a.pooling.i2 != b.pooling.i2 { changes.append("I² \(b.pooling.i2.rawValue)-based") }
        if a.pooling.convergence != b.pooling.convergence { changes.append("convergence \(b.pooling.convergence.rawValue)") }
        // Interval settings matter only for random effects (a fixed-effect model has neither).
        let bothRandom = a.pooling.model == .random && b.pooling.model == .random
        if bothRandom, a.pooling.predictionInterval != b.pooling.predictionInterval {
            changes.append(b.pooling.predictionInterval ? "with a prediction interval" : "without a prediction interval")
        }
        if bothRandom, a.pooling.tau2ConfidenceInterval != b.pooling.tau2ConfidenceInterval {
            changes.append(b.pooling.tau2ConfidenceInterval ? "with a CI for τ²" : "without a CI for τ²")
        }
        if a.direction != b.direction { changes.append("\(b.direction == .higher ? "higher" : "lower") values favour the intervention") }
        if a.missing != b.missing { changes.append(b.missing == .drop ? "rows with missing values left out" : "missing values are errors") }
        if a.prePostR != b.prePostR, let r = b.prePostR { changes.append("pre–post r \(r.formatted)") }
        return changes
    }
}
