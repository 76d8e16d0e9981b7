/// A caption grammar: slots (one per thing a caption can name), each with a pool of synonyms
/// whose first entry is the base language's word, and templates whose {placeholders} name a
/// slot kind. A language (`Dialect`) picks one variant per slot and a few templates; the
/// language similarity dial decides how many of those picks agree with the base language.
public struct Lexicon: Sendable {
    public let pools: [String: [String]]
    public let baseTemplates: [String]
    public let alternateTemplates: [String]
    public let basePromptTemplate: String
    public let alternatePromptTemplates: [String]

    /// Slot ids in a fixed order (dictionary order is not stable across processes).
    public var slotIDs: [String] { pools.keys.sorted() }

    /// Every word any caption or prompt can contain.
    public var allWords: [String] {
        var words = Set<String>()
        for pool in pools.values { for v in pool { words.formUnion(Tokenizer.split(v)) } }
        for t in baseTemplates + alternateTemplates + [basePromptTemplate] + alternatePromptTemplates {
            for w in Tokenizer.split(t) where !w.hasPrefix("{") { words.insert(w) }
        }
        return words.sorted()
    }
}

extension Lexicon {
    public static let colourNames = ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"]
    /// RGB of each colour in the base rendering domain.
    static let colourRGB: [(Float, Float, Float)] = [
        (0.86, 0.14, 0.14), (0.96, 0.55, 0.10), (0.95, 0.90, 0.16), (0.18, 0.70, 0.24),
        (0.14, 0.80, 0.86), (0.16, 0.30, 0.92), (0.56, 0.20, 0.80), (0.96, 0.46, 0.72),
    ]
    public static let sizeNames = ["small", "medium", "large"]
    public static let patternNames = ["plain", "striped", "checkered", "dotted"]
    public static let positionNames = ["left", "center", "right"]

    /// The procedural world's grammar. Placeholders: {size} {colour} {shape} {pattern} {position} {background}.
    public static let shapes = Lexicon(
        pools: [
            "shape.circle": ["circle", "disc", "orb", "roundel", "ring shape"],
            "shape.triangle": ["triangle", "trigon", "three-sided shape", "wedge", "delta"],
            "shape.square": ["square", "box", "block", "quadrate", "tile"],
            "shape.diamond": ["diamond", "rhombus", "lozenge", "kite", "rhomb"],
            "shape.ring": ["ring", "hoop", "loop", "annulus", "band"],
            "shape.bar": ["bar", "strip", "slab", "plank", "rod"],
            "shape.star": ["star", "starburst", "asterisk", "pentacle", "twinkle"],
            "shape.cross": ["cross", "plus sign", "crux", "plus mark", "crossing"],
            "colour.red": ["red", "crimson", "scarlet", "ruby", "cherry"],
            "colour.orange": ["orange", "tangerine", "amber", "apricot", "rust"],
            "colour.yellow": ["yellow", "golden", "lemon", "canary", "mustard"],
            "colour.green": ["green", "emerald", "lime", "jade", "olive"],
            "colour.cyan": ["cyan", "teal", "aqua", "turquoise", "sky-blue"],
            "colour.blue": ["blue", "navy", "cobalt", "azure", "sapphire"],
            "colour.purple": ["purple", "violet", "lilac", "plum", "lavender"],
            "colour.pink": ["pink", "rose", "magenta", "salmon", "blush"],
            "size.small": ["small", "tiny", "little", "petite", "wee"],
            "size.medium": ["medium", "mid-sized", "average", "moderate", "regular"],
            "size.large": ["large", "big", "huge", "giant", "great"],
            "pattern.plain": ["plain", "blank", "flat", "solid", "bare"],
            "pattern.striped": ["striped", "stripy", "lined", "banded", "barred"],
            "pattern.checkered": ["checkered", "chequered", "plaid", "gridded", "tiled"],
            "pattern.dotted": ["dotted", "spotted", "speckled", "polka-dot", "dappled"],
            "position.left": ["on the left", "at left", "toward the left", "in the left half", "leftward"],
            "position.center": ["in the middle", "at center", "centered", "in the centre", "mid-frame"],
            "position.right": ["on the right", "at right", "toward the right", "in the right half", "rightward"],
            "background.word": ["background", "backdrop", "ground", "field", "setting"],
        ],
        baseTemplates: [
            "a {size} {colour} {shape} on a {pattern} {background}",
            "a photo of a {colour} {shape} {position}",
            "a {colour} {shape} , {size} , {position}",
        ],
        alternateTemplates: [
            "there is a {colour} {shape} {position} over a {pattern} {background}",
            "{pattern} {background} under one {size} {colour} {shape}",
            "picture : {shape} , {colour} , {size}",
            "an image showing a {size} {colour} {shape}",
            "my {colour} {shape} sits {position}",
            "see the {colour} {shape} upon its {pattern} {background}",
            "{size} {shape} coloured {colour} {position}",
            "one {colour} {shape} against a {pattern} {background}",
            "behold a {colour} {shape} of {size} size",
        ],
        basePromptTemplate: "a photo of a {colour} {shape}",
        alternatePromptTemplates: [
            "a {colour} {shape}", "an image of a {colour} {shape}", "picture : {shape} , {colour}",
            "one {colour} {shape}", "the {colour} {shape}",
        ])

    /// The slot each placeholder of the shapes grammar refers to, for a scene.
    static func shapeSlots(shape: Int, colour: Int, size: Int = 0, pattern: Int = 0, position: Int = 0) -> [String: String] {
        ["shape": "shape." + ShapeKind(rawValue: shape)!.baseName, "colour": "colour." + colourNames[colour],
         "size": "size." + sizeNames[size], "pattern": "pattern." + patternNames[pattern],
         "position": "position." + positionNames[position], "background": "background.word"]
    }
}
