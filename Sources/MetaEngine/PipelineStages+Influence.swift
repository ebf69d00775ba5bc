import Dispatch
import Foundation
import MetaPipeline
import MetaReport
import MetaRunner
import MetaStats

/// The GOSH stage's summary artifact (the fits themselves are `points.bin` and the published gosh.csv).
struct GoshArtifact: Codable {
    var summary: ResultDocument.GoshSummary
}

extension PipelineStages {
    struct GoshParameters: Codable {
        var settings: ResolvedSettings
        var subsets: Int
    }

    /// `influence:<analysis>` (influence.json: one `InfluenceRow` a study) and `gosh:<analysis>`
    /// (gosh.json, points.bin and the published gosh.csv), as the analysis asks for them; returns
    /// the artifacts the result stage reads.
    mutating func addInfluenceAndGosh(_ a: Analysis, effectsRef: ArtifactRef) -> (influence: ArtifactRef?, gosh: ArtifactRef?) {
        var refs: (influence: ArtifactRef?, gosh: ArtifactRef?) = (nil, nil)
        let settings = a.settings
        let origin = a.origin.description
        if a.influence {
            let name = StageName.influence(analysis: a.name)
            stages.append(stage(name, parameters: parameters(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows: [InfluenceRow]
                do {
                    rows = e.effects.count < 2 ? [] : try Influence.diagnostics(e.effects, measure: e.measure, options: settings.pooling)
                } catch let error as StatsError {
                    throw StageFailure("influence diagnostics: \(error.message)")
                }
                return StageOutput([.influence: try canonical(rows)])
            })
            refs.influence = ref(name, .influence)
        }
        if let spec = a.gosh {
            let name = StageName.gosh(analysis: a.name)
            let folder = out(a.name)
            let p = GoshParameters(settings: settings, subsets: spec.subsets)
            stages.append(stage(name, parameters: parameters(p), inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                guard e.effects.count >= 2 else {
                    throw StageFailure("GOSH needs at least 2 studies (k = \(e.effects.count))")
                }
                let gosh: GoshAnalysis
                do {
                    gosh = try Gosh.analyze(e.effects, options: p.settings.pooling, subsets: p.subsets)
                } catch let error as StatsError {
                    throw StageFailure("GOSH: \(error.message)")
                }
                let artifact = GoshArtifact(summary: Self.goshSummary(gosh))
                return StageOutput([.gosh: try canonical(artifact), .goshPoints: Self.goshPoints(gosh)],
                                   published: ["\(folder)/gosh.csv": Self.goshCSV(gosh)])
            })
            refs.gosh = ref(name, .gosh)
        }
        return refs
    }

    static func goshSummary(_ g: GoshAnalysis) -> ResultDocument.GoshSummary {
        var eMin = Double.infinity, eMax = -Double.infinity, iMin = Double.infinity, iMax = -Double.infinity
        for row in 0..<g.count where !g.estimate[row].isNaN {
            eMin = min(eMin, g.estimate[row]); eMax = max(eMax, g.estimate[row])
            iMin = min(iMin, g.i2[row]); iMax = max(iMax, g.i2[row])
        }
        let failed = g.failed
        return ResultDocument.GoshSummary(subsets: g.count, exhaustive: g.exhaustive, seed: g.seed, failed: failed > 0 ? failed : nil,
                                          estimateMin: eMin, estimateMax: eMax, i2Min: iMin, i2Max: iMax)
    }

    /// The fitted subsets' (estimate, I²) as little-endian Float32 pairs, for the GOSH plot.
    static func goshPoints(_ g: GoshAnalysis) -> Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(g.count * 8)
        for row in 0..<g.count where !g.estimate[row].isNaN {
            for value in [Float(g.estimate[row]), Float(g.i2[row])] {
                let bits = value.bitPattern.littleEndian
                bytes.append(UInt8(truncatingIfNeeded: bits)); bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 16)); bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
        }
        return Data(bytes)
    }

    /// `gosh.csv`: one row a subset (estimate, i2, tau2, k, subset), numbers as `CSVWriter.number`
    /// writes them, a failed fit's cells empty. `subset` is the membership mask in hexadecimal
    /// ("0x…"): bit j − 1 is set when the j-th study of studies.csv is in the subset. Rows are
    /// written in parallel blocks and joined in order.
    static func goshCSV(_ g: GoshAnalysis) -> Data {
        let header = Array("estimate,i2,tau2,k,subset\n".utf8)
        let blockRows = 1 << 14
        let blocks = (g.count + blockRows - 1) / blockRows
        var parts = [[UInt8]](repeating: [], count: blocks)
        parts.withUnsafeMutableBufferPointer { buffer in
            let out = SharedParts(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                var bytes = [UInt8]()
                bytes.reserveCapacity(blockRows * 64)
                for row in (b * blockRows)..<min(g.count, (b + 1) * blockRows) {
                    if !g.estimate[row].isNaN {
                        bytes.append(contentsOf: CSVWriter.number(g.estimate[row]).utf8)
                        bytes.append(0x2C)
                        bytes.append(contentsOf: CSVWriter.number(g.i2[row]).utf8)
                        bytes.append(0x2C)
                        bytes.append(contentsOf: CSVWriter.number(g.tau2[row]).utf8)
                    } else {
                        bytes.append(0x2C); bytes.append(0x2C)
                    }
                    bytes.append(0x2C)
                    bytes.append(contentsOf: String(g.size[row]).utf8)
                    bytes.append(0x2C)
                    bytes.append(contentsOf: hexMask(g, row).utf8)
                    bytes.append(0x0A)
                }
                out[b] = bytes
            }
        }
        var data = Data(capacity: header.count + parts.reduce(0) { $0 + $1.count })
        data.append(contentsOf: header)
        for part in parts { data.append(contentsOf: part) }
        return data
    }

    static func hexMask(_ g: GoshAnalysis, _ row: Int) -> String {
        let words = g.membership[(row * g.words)..<((row + 1) * g.words)]
        var text = "0x"
        var leading = true
        for word in words.reversed() {
            if leading {
                if word == 0 { continue }
                text += String(word, radix: 16)
                leading = false
            } else {
                let digits = String(word, radix: 16)
                text += String(repeating: "0", count: 16 - digits.count) + digits
            }
        }
        return leading ? "0x0" : text
    }

    /// `influence.csv`: the diagnostics of every study.
    static func influenceCSV(_ rows: [InfluenceRow]) -> Data {
        var csv = CSVWriter(header: ["study", "rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "q_deleted", "hat",
                                     "weight", "dfbetas", "influential", "baujat_x", "baujat_y"])
        for r in rows {
            csv.row([r.study] + [r.rstudent, r.dffits, r.cooksDistance, r.covRatio, r.tau2Deleted, r.qDeleted, r.hat, r.weight, r.dfbetas]
                .map(CSVWriter.number) + [r.influential ? "yes" : "no"] + [r.baujatX, r.baujatY].map(CSVWriter.number))
        }
        return csv.data
    }
}

/// Blocks of CSV bytes written by different threads, each block by one thread only.
private struct SharedParts: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<[UInt8]>
    subscript(i: Int) -> [UInt8] {
        get { buffer[i] }
        nonmutating set { buffer[i] = newValue }
    }
}
