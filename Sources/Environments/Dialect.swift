import Foundation
import Linalg

/// An environment's caption language: one synonym per slot and a few templates.
///
/// Each (environment, slot) pair has a fixed threshold u in [0, 1) drawn from the environment's
/// language key. With language similarity `sl`, a slot whose u < sl speaks the base language;
/// the others speak the environment's own variant. Raising sl only ever turns own words into
/// base words, so the vocabularies of two environments overlap more as sl grows.
public struct Dialect: Sendable, Equatable {
    public let variants: [String: String]
    public let templates: [String]
    public let promptTemplate: String

    public static let templateSlots = 3

    public init(key: RandomKey, similarity sl: Double, lexicon: Lexicon) {
        var v: [String: String] = [:]
        for slot in lexicon.slotIDs {
            let pool = lexicon.pools[slot]!
            var s = RandomStream(key: key.child("slot", .string(slot)))
            let u = s.uniformDouble()
            let own = pool.count > 1 ? 1 + s.int(below: pool.count - 1) : 0
            v[slot] = u < sl ? pool[0] : pool[own]
        }
        variants = v
        func pick(_ name: RandomPathComponent, base: String, alternates: [String]) -> String {
            var s = RandomStream(key: key.child(name))
            let u = s.uniformDouble()
            let own = alternates[s.int(below: alternates.count)]
            return u < sl ? base : own
        }
        let slots = min(Dialect.templateSlots, lexicon.baseTemplates.count)
        templates = (0..<slots).map { k in
            pick(.string("template-\(k)"), base: lexicon.baseTemplates[k], alternates: lexicon.alternateTemplates)
        }
        promptTemplate = pick("prompt", base: lexicon.basePromptTemplate, alternates: lexicon.alternatePromptTemplates)
    }

    /// The template filled with this language's words; `slots` maps placeholder to slot id.
    public func render(_ template: String, slots: [String: String]) -> String {
        Dialect.fill(template, slots: slots) { variants[$0]! }
    }

    /// Fills each {placeholder} with `word(slot id)`.
    static func fill(_ template: String, slots: [String: String], word: (String) -> String) -> String {
        var out = template
        for (placeholder, slot) in slots where out.contains("{\(placeholder)}") {
            out = out.replacingOccurrences(of: "{\(placeholder)}", with: word(slot))
        }
        return out
    }
}
