import Foundation
import MetaTestSupport
@testable import MetaStats

/// A data set with metafor's results for one measure (one block of a *.metafor.json file).
struct ReferenceSet: @unchecked Sendable, CustomStringConvertible {
    var name: String
    var measure: EffectMeasure
    var studies: [StudyInput]
    var reference: [String: Any]
    var description: String { "\(name) \(measure.rawValue)" }

    var effects: [EffectSize] { try! EffectSizes.compute(studies, measure: measure).effects }

    static func all() -> [ReferenceSet] {
        var sets: [ReferenceSet] = []
        let normand = try! loadCSV("normand1999.csv", bundle: .module)
        let normandJSON = try! loadJSON("normand1999.metafor.json", bundle: .module)
        let arms = normand.map { r in
            StudyInput(study: r["source"]!, data: .continuous(ContinuousArms(
                n1: Double(r["n1i"]!)!, mean1: Double(r["m1i"]!)!, sd1: Double(r["sd1i"]!)!,
                n2: Double(r["n2i"]!)!, mean2: Double(r["m2i"]!)!, sd2: Double(r["sd2i"]!)!)))
        }
        sets.append(ReferenceSet(name: "normand1999", measure: .smd, studies: arms, reference: normandJSON))
        sets.append(ReferenceSet(name: "normand1999", measure: .md, studies: arms, reference: normandJSON.object("MD")))

        let bcg = try! loadCSV("bcg.csv", bundle: .module)
        let bcgJSON = try! loadJSON("bcg.metafor.json", bundle: .module)
        let tables = bcg.map { r in
            let tpos = Double(r["tpos"]!)!, tneg = Double(r["tneg"]!)!, cpos = Double(r["cpos"]!)!, cneg = Double(r["cneg"]!)!
            return StudyInput(study: "\(r["author"]!) \(r["year"]!)", data: .binary(BinaryCounts(
                events1: tpos, total1: tpos + tneg, events2: cpos, total2: cpos + cneg)))
        }
        sets.append(ReferenceSet(name: "bcg", measure: .rr, studies: tables, reference: bcgJSON))
        sets.append(ReferenceSet(name: "bcg", measure: .or, studies: tables, reference: bcgJSON.object("OR")))
        sets.append(ReferenceSet(name: "bcg", measure: .rd, studies: tables, reference: bcgJSON.object("RD")))

        let raud = try! loadCSV("raudenbush1985.csv", bundle: .module)
        sets.append(ReferenceSet(name: "raudenbush1985", measure: .generic, studies: raud.map { r in
            StudyInput(study: "\(r["author"]!) \(r["year"]!) (\(r["study"]!))",
                       data: .generic(yi: Double(r["yi"]!)!, vi: Double(r["vi"]!)!))
        }, reference: try! loadJSON("raudenbush1985.metafor.json", bundle: .module)))

        let hack = try! loadCSV("hackshaw1998.csv", bundle: .module)
        sets.append(ReferenceSet(name: "hackshaw1998", measure: .generic, studies: hack.map { r in
            StudyInput(study: "\(r["author"]!) \(r["year"]!) (\(r["study"]!))",
                       data: .generic(yi: Double(r["yi"]!)!, vi: Double(r["vi"]!)!))
        }, reference: try! loadJSON("hackshaw1998.metafor.json", bundle: .module)))
        return sets
    }

    static func column(_ file: String, _ name: String) -> [String] {
        try! loadCSV(file, bundle: .module).map { $0[name]! }
    }
}

/// metafor's fit for a key such as "REML" or "REML_knha".
func metaforOptions(_ key: String) -> PoolingOptions {
    let parts = key.split(separator: "_")
    let method = String(parts[0])
    let test: TestMethod = parts.count > 1 ? .knha : .z
    if method == "FE" {
        return PoolingOptions(model: .fixed, method: .iv, test: test)
    }
    return PoolingOptions(model: .random, method: PoolingMethod(rawValue: method)!, test: test)
}

/// Numbers from Fixtures/extra-references.R (R 4.2, metafor 3.8-1) beyond the *.metafor.json files.
enum ExtraReferences {
    nonisolated(unsafe) static let extra = try! loadJSON("extra-references.json", bundle: .module)
    static let sets = ReferenceSet.all()
    static func set(_ name: String, _ measure: EffectMeasure) -> ReferenceSet {
        sets.first { $0.name == name && $0.measure == measure }!
    }
}
