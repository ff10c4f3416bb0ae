// Config validation: every documented error names its JSON path and says what is wrong.
@testable import Config
@testable import Results
@testable import Training
import Optim
import Testing

let validConfig = """
{
  "name": "t", "description": "d",
  "dataset": { "name": "mnist", "path": "mnist" },
  "model": { "kind": "logistic-regression", "l2": 1e-4, "init": "zeros" },
  "training": { "epochs": 2, "batch_size": 16, "seed": 1 },
  "arms": [ { "name": "adam", "optimizer": "adam", "lr": 1e-3 }, { "name": "sgd", "optimizer": "nesterov", "lr": 0.1 } ]
}
"""

/// validConfig with one substring replaced.
func variant(_ from: String, _ to: String) -> String {
    precondition(validConfig.contains(from), "fixture does not contain \(from)")
    return validConfig.replacingOccurrences(of: from, with: to)
}

struct ConfigErrorCase: CustomTestStringConvertible, Sendable {
    let json: String
    let path: String
    let message: String
    var testDescription: String { "\(path): \(message)" }
}

let configErrorCases: [ConfigErrorCase] = [
    .init(json: variant("\"name\": \"t\"", "\"nam\": \"t\""), path: "", message: ""),  // name missing comes first
    .init(json: variant("\"name\": \"t\"", "\"name\": \"../x\""), path: "name", message: "letters, digits"),
    .init(json: variant("\"name\": \"t\"", "\"name\": 5"), path: "name", message: "must be a string, got a number"),
    .init(json: variant("\"description\": \"d\"", "\"descripton\": \"d\""), path: "descripton", message: "did you mean \"description\"?"),
    .init(json: variant("\"name\": \"mnist\", \"path\"", "\"name\": \"mnits\", \"path\""), path: "dataset.name", message: "did you mean \"mnist\"?"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"imdb\", \"vocabulary\": 0"), path: "dataset.vocabulary", message: "must be >= 1, got 0"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"imdb\", \"features\": \"tf\""), path: "dataset.features", message: "must be one of \"counts\", \"binary\", \"tfidf\", got \"tf\""),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"imdb\", \"binarize\": true"), path: "dataset.binarize", message: "unknown key for dataset imdb"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"libsvm\", \"features\": 10"), path: "dataset.train", message: "is required: the training file"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"libsvm\", \"train\": \"a.txt\""), path: "dataset.features", message: "is required: the number of features"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"libsvm\", \"train\": \"a.txt\", \"features\": 5, \"index_base\": 2"), path: "dataset.index_base", message: "must be at most 1, got 2"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"libsvm\", \"train\": \"a.txt\", \"features\": 5, \"labels\": [1]"), path: "dataset.labels", message: "at least two labels"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"libsvm\", \"train\": \"a.txt\", \"features\": 5, \"labels\": [1, \"+1\"]"), path: "dataset.labels[1]", message: "\"+1\" is listed twice"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"libsvm\", \"train\": \"a.txt\", \"features\": 5, \"labels\": [1, true]"), path: "dataset.labels[1]", message: "must be a number or a non-empty string"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"imdb\"").replacingOccurrences(of: "\"kind\": \"logistic-regression\"", with: "\"kind\": \"cnn\", \"conv\": [8], \"hidden\": []"), path: "model.kind", message: "cnn needs dense inputs, but imdb rows are sparse"),
    .init(json: variant("\"l2\": 1e-4", "\"l2\": 1e-4, \"dropout\": {\"input\": 0.5, \"hidden\": 0.5}"), path: "model.dropout.hidden", message: "logistic regression has no hidden layer"),
    .init(json: variant("\"lr\": 1e-3", "\"lr\": 1e-3, \"dropout\": {\"hidden\": 0.2}"), path: "arms[0].dropout.hidden", message: "logistic regression has no hidden layer"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"preprocess\": \"pca\""), path: "dataset.preprocess", message: "must be one of \"none\", \"standardize\", \"zca\", \"gcn-zca\", got \"pca\""),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"preprocess\": \"zca\", \"zca_epsilon\": 0"), path: "dataset.zca_epsilon", message: "must be > 0"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"zca_epsilon\": 0.1"), path: "dataset.zca_epsilon", message: "only applies to \"preprocess\": \"zca\" or \"gcn-zca\""),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"preprocess\": \"gcn-zca\", \"gcn_scale\": 0"), path: "dataset.gcn_scale", message: "must be > 0 (each image's norm after contrast normalisation), got 0"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"preprocess\": \"gcn-zca\", \"gcn_scale\": \"55\""), path: "dataset.gcn_scale", message: "must be a number, got a string"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"preprocess\": \"gcn-zca\", \"zca_epsilon\": -0.1"), path: "dataset.zca_epsilon", message: "must be > 0"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"preprocess\": \"zca\", \"gcn_scale\": 55"), path: "dataset.gcn_scale", message: "only applies to \"preprocess\": \"gcn-zca\""),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"whiten\": \"none\", \"gcn_scale\": 55"), path: "dataset.gcn_scale", message: "only applies to \"whiten\": \"gcn-zca\""),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"mnist\", \"path\": \"mnist\", \"gcn_scale\": 55"), path: "dataset.gcn_scale", message: "unknown key for dataset mnist"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"whiten\": \"zca\", \"preprocess\": \"zca\""), path: "dataset.whiten", message: "not both"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"test\": \"\""), path: "dataset.test", message: "must not be empty"),
    .init(json: variant("\"name\": \"mnist\", \"path\": \"mnist\"", "\"name\": \"cifar10\", \"binarize\": true"), path: "dataset.binarize", message: "unknown key for dataset cifar10"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\""), path: "model.conv", message: "is required for a cnn"),
    .init(json: variant("\"kind\": \"logistic-regression\", \"l2\": 1e-4, \"init\": \"zeros\"", "\"kind\": \"vae\"").replacingOccurrences(of: "\"lr\": 1e-3", with: "\"lr\": 1e-3, \"dropout\": {\"input\": 0.2}"), path: "arms[0].dropout", message: "applies only to logistic regression, an mlp or a cnn"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"mlp\", \"hidden\": [3]").replacingOccurrences(of: "\"lr\": 1e-3", with: "\"lr\": 1e-3, \"dropout\": {\"hidden\": 1.5}"), path: "arms[0].dropout.hidden", message: "must be in [0, 1), got 1.5"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": []"), path: "model.conv", message: "non-empty array"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": [64, 0]"), path: "model.conv[1]", message: "must be >= 1, got 0"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": [8], \"kernel\": 4"), path: "model.kernel", message: "must be odd"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": [8]"), path: "model.hidden", message: "is required for a cnn"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": [8], \"hidden\": [], \"activation\": \"tanh\""), path: "model.activation", message: "must be \"relu\" for a cnn"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": [8], \"hidden\": [], \"pool\": {\"size\": 2, \"pad\": 2}"), path: "model.pool.pad", message: "at most half the window"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"cnn\", \"conv\": [8], \"hidden\": [], \"pool\": {\"window\": 2}"), path: "model.pool.window", message: "unknown key for pool"),
    .init(json: variant("\"path\": \"mnist\"", "\"path\": \"mnist\", \"train_limit\": 0"), path: "dataset.train_limit", message: "must be >= 1, got 0"),
    .init(json: variant("\"path\": \"mnist\"", "\"path\": \"mnist\", \"whiten\": \"zca\""), path: "dataset.whiten", message: "unknown key for dataset mnist"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"logistic\""), path: "model.kind", message: "unknown model \"logistic\""),
    .init(json: variant("\"l2\": 1e-4", "\"l2\": -1"), path: "model.l2", message: "must be >= 0, got -1"),
    .init(json: variant("\"init\": \"zeros\"", "\"init\": \"ones\""), path: "model.init", message: "must be one of zeros, glorot-uniform, normal"),
    .init(json: variant("\"init\": \"zeros\"", "\"init\": \"zeros\", \"std\": 0.1"), path: "model.std", message: "only applies to \"init\": \"normal\""),
    .init(json: variant("\"epochs\": 2", "\"epochs\": 2.5"), path: "training.epochs", message: "must be a whole number, got 2.5"),
    .init(json: variant("\"epochs\": 2", "\"epochs\": \"2\""), path: "training.epochs", message: "must be a number, got a string"),
    .init(json: variant("\"epochs\": 2, ", ""), path: "training.epochs", message: "is required"),
    .init(json: variant("\"batch_size\": 16", "\"batch_size\": 0"), path: "training.batch_size", message: "must be >= 1, got 0"),
    .init(json: variant("\"seed\": 1", "\"seed\": 1, \"seeds\": [1, 2]"), path: "training.seeds", message: "either \"seed\" or \"seeds\""),
    .init(json: variant("\"seed\": 1", "\"seeds\": [1, 1]"), path: "training.seeds", message: "must not repeat"),
    .init(json: variant("\"seed\": 1", "\"seeds\": [1, -2]"), path: "training.seeds[1]", message: "must be >= 0, got -2"),
    .init(json: variant("\"seed\": 1", "\"shuffle\": 1"), path: "training.shuffle", message: "must be true or false, got a number"),
    .init(json: variant("\"seed\": 1", "\"epoch\": 1"), path: "training.epoch", message: "did you mean \"epochs\"?"),
    .init(json: variant("\"lr\": 1e-3", "\"lr\": 0"), path: "arms[0].lr", message: "must be > 0, got 0"),
    .init(json: variant("\"lr\": 1e-3", "\"beta2\": 1.5"), path: "arms[0].beta2", message: "must be in [0, 1), got 1.5"),
    .init(json: variant("\"lr\": 1e-3", "\"bias_correction\": 1"), path: "arms[0].bias_correction", message: "must be true or false"),
    .init(json: variant("\"lr\": 1e-3", "\"epsilon_form\": \"tf\""), path: "arms[0].epsilon_form", message: "must be one of algorithm1, efficient"),
    .init(json: variant("\"lr\": 1e-3", "\"beta1_decay\": 0"), path: "arms[0].beta1_decay", message: "must be in (0, 1], got 0"),
    .init(json: variant("\"lr\": 1e-3", "\"momentum\": 0.9"), path: "arms[0].momentum", message: "unknown key for optimizer adam"),
    .init(json: variant("\"optimizer\": \"adam\"", "\"optimizer\": \"adma\""), path: "arms[0].optimizer", message: "did you mean \"adam\"?"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\""), path: "arms[0].subfunctions", message: "is required for sfo"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\", \"subfunctions\": 2.5"), path: "arms[0].subfunctions", message: "must be a whole number"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\", \"subfunctions\": 5, \"lr\": 0.1"), path: "arms[0].lr", message: "unknown key for optimizer sfo"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\", \"subfunctions\": 5, \"hessian\": \"lbfgs\""), path: "arms[0].hessian", message: "must be one of bfgs, rank1"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\", \"subfunctions\": 5, \"schedule\": {\"kind\": \"inverse-sqrt\"}"), path: "arms[0].schedule", message: "does not apply to sfo"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\", \"subfunctions\": 5, \"averaging\": {\"kind\": \"polyak\"}"), path: "arms[0].averaging", message: "does not apply to sfo"),
    .init(json: variant("\"optimizer\": \"adam\", \"lr\": 1e-3", "\"optimizer\": \"sfo\", \"subfunctions\": 5, \"dropout\": {\"input\": 0.2}"), path: "arms[0].dropout", message: "SFO needs deterministic subfunctions"),
    .init(json: variant("\"kind\": \"logistic-regression\", \"l2\": 1e-4, \"init\": \"zeros\"", "\"kind\": \"mlp\", \"hidden\": [4], \"dropout\": {\"hidden\": 0.5}").replacingOccurrences(of: "\"optimizer\": \"adam\", \"lr\": 1e-3", with: "\"optimizer\": \"sfo\", \"subfunctions\": 5"), path: "arms[0].optimizer", message: "sfo needs deterministic subfunctions, but the model has dropout"),
    .init(json: variant("\"name\": \"sgd\", \"optimizer\": \"nesterov\", \"lr\": 0.1", "\"name\": \"sgd\", \"optimizer\": \"nesterov\""),
          path: "arms[1].lr", message: "is required for nesterov (it has no default)"),
    .init(json: variant("\"name\": \"sgd\"", "\"name\": \"adam\""), path: "arms[1].name", message: "must be unique"),
    .init(json: variant("\"lr\": 1e-3", "\"schedule\": {\"kind\": \"cosine\"}"), path: "arms[0].schedule.kind", message: "must be \"constant\" or \"inverse-sqrt\""),
    .init(json: variant("\"lr\": 1e-3", "\"schedule\": {\"kind\": \"inverse-sqrt\", \"per\": \"step\"}"), path: "arms[0].schedule.per", message: "\"iteration\" or \"epoch\""),
    .init(json: variant("\"lr\": 1e-3", "\"averaging\": {\"kind\": \"ema\", \"beta\": 1}"), path: "arms[0].averaging.beta", message: "must be in (0, 1)"),
    .init(json: variant("\"lr\": 1e-3", "\"averaging\": \"swa\""), path: "arms[0].averaging", message: "must be \"ema\", \"polyak\""),
    .init(json: validConfig.replacingOccurrences(of: "\"arms\": [ {", with: "\"arms\": [], \"x\": [ {"), path: "arms", message: "non-empty array"),
    .init(json: variant("\"description\": \"d\",", "\"description\": \"d\", \"tune\": {},"), path: "tune.grid", message: "is required"),
    .init(json: variant("\"description\": \"d\",", "\"description\": \"d\", \"sweep\": {},"), path: "sweep.arm", message: "is required"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"mlp\""), path: "model.hidden", message: "is required for an mlp"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"mlp\", \"hidden\": [10, 0]"), path: "model.hidden[1]", message: "must be >= 1, got 0"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"mlp\", \"hidden\": [10], \"activation\": \"gelu\""), path: "model.activation", message: "must be one of relu, softplus, tanh"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"mlp\", \"hidden\": [10], \"dropout\": {\"hidden\": 1}"), path: "model.dropout.hidden", message: "must be in [0, 1), got 1"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"mlp\", \"hidden\": [10], \"dropout\": {\"output\": 0.1}"), path: "model.dropout.output", message: "unknown key for dropout"),
    .init(json: variant("\"kind\": \"logistic-regression\"", "\"kind\": \"logistic-regression\", \"hidden\": [10]"), path: "model.hidden", message: "unknown key for model logistic-regression"),
]

@Test(arguments: configErrorCases)
func configErrorsNameTheirJSONPath(_ c: ConfigErrorCase) throws {
    do {
        _ = try ExperimentConfig.parse(JSON.parse(c.json))
        Issue.record("config was accepted")
    } catch let e as ConfigError {
        if c.path.isEmpty {
            #expect(e.path == "name")
        } else {
            #expect(e.path == c.path, "\(e)")
            #expect(e.message.contains(c.message), "\(e)")
        }
    }
}

@Test func syntheticConfigsRefuseMinibatchKeysAndModels() throws {
    let base = """
    {"name": "q", "dataset": {"name": "quadratic", "curvatures": [1], "init": [0]}, "training": {"epochs": 3}, "arms": [{"optimizer": "adam"}]}
    """
    let ok = try ExperimentConfig.parse(JSON.parse(base))
    #expect(ok.arms[0].name == "adam" && ok.training.fullBatch)
    for (json, path) in [
        (base.replacingOccurrences(of: "\"epochs\": 3", with: "\"epochs\": 3, \"batch_size\": 4"), "training.batch_size"),
        (base.replacingOccurrences(of: "\"training\"", with: "\"model\": {\"kind\": \"mlp\"}, \"training\""), "model"),
        (base.replacingOccurrences(of: "\"init\": [0]", with: "\"init\": [0, 1]"), "dataset.init"),
        (base.replacingOccurrences(of: "\"curvatures\": [1]", with: "\"curvatures\": [-1]"), "dataset.curvatures[0]"),
    ] {
        #expect(throws: ConfigError.self) { try ExperimentConfig.parse(JSON.parse(json)) }
        do { _ = try ExperimentConfig.parse(JSON.parse(json)) } catch let e as ConfigError { #expect(e.path == path, "\(e)") }
    }
}

@Test func defaultsAreAppliedOnceAndTheResolvedConfigReadsBack() throws {
    let c = try ExperimentConfig.parse(JSON.parse(validConfig))
    #expect(c.arms[0].hyperparameters["beta2"] == .number(0.999))
    #expect(c.arms[1].hyperparameters["momentum"] == .number(0.9))
    #expect(c.training.shuffle && c.training.logEvery == 0 && c.training.evalEveryEpochs == 1)
    let again = try ExperimentConfig.parse(JSON.parse(c.resolvedJSON.rendered()))
    #expect(again == c)
}

@Test func overridesChangeEpochsSeedAndArms() throws {
    var c = try ExperimentConfig.parse(JSON.parse(validConfig))
    c = try c.applying(ConfigOverrides(epochs: 7, seed: 9, arms: ["sgd"]))
    #expect(c.training.epochs == 7 && c.training.seeds == [9] && c.arms.map(\.name) == ["sgd"])
    #expect(throws: ConfigError.self) { try c.applying(ConfigOverrides(arms: ["nope"])) }
}

@Test(arguments: [
    ("{\"a\": 1,}", "line 1, column 9: expected a key in double quotes"),
    ("{\"a\": 1 \"b\": 2}", "expected ',' or '}' in object"),
    ("{\"a\": 01}", "leading zeros"),
    ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\""),
    ("{\n  \"a\": tru\n}", "line 2, column 8: invalid literal"),
    ("[1, 2", "unexpected end of file in array"),
    ("{} x", "unexpected text after the JSON value"),
])
func jsonSyntaxErrorsSayWhere(_ c: (String, String)) {
    do {
        _ = try JSON.parse(c.0)
        Issue.record("accepted \(c.0)")
    } catch {
        #expect("\(error)".contains(c.1), "\(error)")
    }
}

@Test func jsonRoundTripsStringsAndNumbers() throws {
    let text = "{\"s\": \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\", \"n\": [1e-05, 0.001, -2, 45], \"b\": [true, false, null]}"
    let json = try JSON.parse(text)
    #expect(json["s"] == .string("a\"b\\c\né😀"))
    #expect(try JSON.parse(json.rendered()) == json)
    #expect(json["n"]?.rendered() == "[1e-05, 0.001, -2, 45]")
}
