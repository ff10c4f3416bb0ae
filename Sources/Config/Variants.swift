// Variants of a figure's set-up: where the paper is silent we choose, and a verdict may hang on
// the choice. A primary config lists its variants, each a config of its own (another schedule,
// feature kind, initialisation, selection rule); `adam-bench report` checks the primary's claims
// on each variant's results too (README, "Variants: how robust each verdict is").
//
//   "variants": [{"name": "adagrad-constant", "config": "imdb-logreg-adagrad-constant.json"}]
//
// `config` is relative to the primary config's folder. Loading the primary reads each variant's
// config and records its experiment name ("experiment" in the resolved config), because that name
// is where its results are: a folder beside the primary's (the same --out).
import Datasets
import Foundation

public struct Variant: Sendable, Equatable {
    /// The label the report shows (letters, digits, '.', '_', '-').
    public var name: String
    /// The variant's config file as written, relative to the primary config's folder.
    public var config: String
    /// The variant config's `name`, which names its results folder; nil until the primary is
    /// loaded from its file (a resolved config, in a manifest, carries it).
    public var experiment: String?

    public init(name: String, config: String, experiment: String? = nil) {
        (self.name, self.config, self.experiment) = (name, config, experiment)
    }

    static func parseList(_ json: JSON, primary: String) throws -> [Variant] {
        guard case .array(let items) = json else {
            throw ConfigError(path: "variants", "must be an array of {\"name\": .., \"config\": ..}, got \(json.typeName)")
        }
        var list: [Variant] = []
        for (i, item) in items.enumerated() {
            let path = "variants[\(i)]"
            var r = try ObjectReader(item, path: path)
            guard let name = try r.string("name") else { throw r.missing("name", "is required: the label the report shows for this set-up") }
            try checkName(name, path: r.at("name"))
            if list.contains(where: { $0.name == name }) { throw ConfigError(path: r.at("name"), "\"\(name)\" names another variant already") }
            guard let config = try r.string("config"), !config.isEmpty else {
                throw r.missing("config", "is required: the variant's config file, relative to this config's folder")
            }
            let experiment = try r.string("experiment")
            if let experiment {
                try checkName(experiment, path: r.at("experiment"))
                guard experiment != primary else { throw ConfigError(path: r.at("experiment"), "is this config's own name; a variant is another experiment") }
            }
            try r.finish("a variant", allowed: ["name", "config", "experiment"])
            list.append(Variant(name: name, config: config, experiment: experiment))
        }
        return list
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [("name", .string(name)), ("config", .string(config))]
        if let experiment { pairs.append(("experiment", .string(experiment))) }
        return .object(pairs)
    }
}

extension ExperimentConfig {
    /// Reads each variant's config (relative to the folder of `path`, this config's file) and
    /// records its experiment name. A variant must parse, must not list variants itself, and must
    /// be another experiment than this one.
    mutating func resolveVariants(configPath path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        for i in variants.indices {
            let file = variants[i].config.hasPrefix("/") ? variants[i].config : (folder as NSString).appendingPathComponent(variants[i].config)
            let variant: ExperimentConfig
            do { variant = try ExperimentConfig.load(file, resolvingVariants: false) } catch let e as ConfigError {
                let problem = e.message == "no such config file" ? "no such config file \(file) (paths are relative to this config's folder)" : "\(e)"
                throw ConfigError(path: "variants[\(i)].config", problem)
            }
            guard variant.variants.isEmpty else {
                throw ConfigError(path: "variants[\(i)].config", "\(file) lists variants of its own; a variant belongs to one primary config")
            }
            guard variant.name != name else {
                throw ConfigError(path: "variants[\(i)].config", "\(file) has the same name as this config (\"\(name)\"); give the variant a name of its own, which names its results folder")
            }
            if let recorded = variants[i].experiment, recorded != variant.name {
                throw ConfigError(path: "variants[\(i)].experiment", "is \"\(recorded)\" but \(file) is named \"\(variant.name)\"; leave \"experiment\" out (it is read from the file)")
            }
            variants[i].experiment = variant.name
        }
    }
}
