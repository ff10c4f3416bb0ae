// The text of `adam-bench help [TOPIC]`. `help config` is the reference for config files.
import Optim

enum HelpText {
    static let general = """
    adam-bench: reproduce and benchmark the experiments of Kingma & Ba, "Adam" (ICLR 2015)

    usage:
      adam-bench run CONFIG... [options]     train every arm of each experiment, write results;
                                             resumable, [--shard I/N] to split over processes
      adam-bench sweep CONFIG [--shard I/N]  run one config (its grid), same as run
      adam-bench collect DIR [--partial]     merge a sharded run's point files into the results
      adam-bench validate CONFIG...          check configs and data files, print the plan
      adam-bench params CONFIG [--data-dir DIR]  the model's tensors: name,shape,offset,count,init
      adam-bench list [optimizers|models|datasets]
      adam-bench diff EXPECTED.csv ACTUAL.csv [--rtol R] [--atol A]
      adam-bench plot RESULT_DIR... [-o FILE.svg] [--column C] [--log-y|--linear-y] [--x epoch|iteration|wall_seconds]
      adam-bench report RESULT_DIR... [-o FILE.md] [--images DIR] [--paper FIGURES.csv]
      adam-bench bench gemm|step|math|winograd|train CONFIG [--threads N] [--shape M,N,K,TA,TB]
      adam-bench help [run|sweep|validate|params|list|diff|plot|report|bench|config|exit-codes]
      adam-bench --version

    options of run, sweep and validate:
      --out DIR         results root (default results); an experiment writes DIR/<name>/
      --data-dir DIR    where dataset paths are resolved (default $ADAM_BENCH_DATA, else data)
      --threads N       worker threads (default: all cores); results do not depend on it
      --epochs N        override training.epochs
      --seed N          override training.seed(s) with one seed
      --arms a,b        run only these arms
                        (claims on arms not run or epochs not reached are left out, with a note)
      --quiet           no progress output on stderr
      --shard I/N       run and sweep: only the points with index mod N == I (then `collect`)

    exit status: 0 success, 1 diff found differences, 2 bad usage or invalid config, 3 dataset
    (or file to diff or plot) missing or malformed, 4 any other failure, 5 not finished (a shard
    of a successive-halving run waits for other shards: run it again). A diverged arm is a result (status in summary.csv), not a failure.
    """

    static let run = """
    adam-bench run CONFIG... [--shard I/N] [--out DIR] [--data-dir DIR] [--threads N] [--epochs N] [--seed N] [--arms a,b] [--quiet]
    adam-bench sweep CONFIG [--shard I/N] [options]     (the same, for one config)
    adam-bench collect DIR [--partial]

    A run is made of points, one per arm and seed (a sweep's or tune's arms come from its grid),
    all arms of a seed starting from the same parameters. Each finished point is written to
    OUT/<name>/points/NNNNN.point with a fingerprint of its settings (data, model, training, its
    own hyperparameters and seed, adam-bench version); a rerun skips complete points and reruns
    points from other settings. Inside a point a checkpoint (NNNNN.checkpoint: parameters,
    optimizer and averaging state, every random stream, the data order, the rows so far) is
    written every training.checkpoint_every_epochs epochs, so a run killed at any moment
    continues from its last checkpoint, and ends byte-identical to one that never stopped. A
    damaged checkpoint is named on stderr and ignored (the point restarts).

    Without --shard, the run ends by merging the points into OUT/<name>/:
      curves.csv     arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
      summary.csv    per arm and seed: status, final and best values, hyperparameters; an arm
                     of several seeds then gets rows mean, sd, min, max (in the seed column)
      timings.csv    per epoch: wall, training, evaluation and checkpoint seconds, examples per second
      manifest.json  resolved config, data file SHA-256s, CPU, threads, times
      params/        with training.save_params: <arm>-seed<N>.npy, each point's final parameters
    With --shard I/N only the points with index mod N == I run, so N processes or cluster jobs
    can share one results folder; `adam-bench collect OUT/<name>` merges them when all are done,
    into the files one process would have written, byte for byte, in DIR itself. `collect DIR
    --partial` shows a run still going: DIR-partial/ (never another experiment's results) gets the
    finished points and the running ones up to their last checkpoint (points not started left
    out; a tuned run's whole grid), and stderr says how far each point got; plot and report read
    it like any results folder. While processes of one config use a points folder, a run of other
    settings there is refused (exit 4).
    Successive halving (tune.halving, see help config) goes rung by rung: each point trains to
    the next rung its arm waits for, stops there with a checkpoint, and the best go on from it.
    Its state is the points folder, so a rerun after a kill continues it. A shard that has
    trained what it can while a rung waits for other shards' points exits 5 (not finished):
    run it again when they are done (e.g. in a loop: rerun while the exit status is 5); collect
    refuses an unfinished halving (exit 4).
    Every config is checked before training starts. Files are written whole or not at all.
    curves.csv and summary.csv are byte-identical for the same config and seed, whatever --threads.
    Progress goes to stderr: a live line on a terminal, one line per epoch otherwise.
    """

    static let sweep = run

    static let params = """
    adam-bench params CONFIG [--data-dir DIR]

    Prints the model's tensors in the order of the flat parameter vector, with PyTorch's names
    and shapes, as CSV: name,shape,offset,count,init (a fully connected weight is out x in, its
    bias out; init is zeros, glorot-uniform, normal(STD) or file). A PyTorch model whose modules are in this order exports a starting point with
    torch.cat([p.detach().flatten() for p in model.parameters()]).numpy() and numpy.save; the
    config then starts every arm from it with "model": {"init": {"from": "FILE.npy"}}. Sizes come
    from the data when it is found, else from the data set's standard shape.
    """

    static let validate = """
    adam-bench validate CONFIG... [--data-dir DIR] [--epochs N] [--seed N] [--arms a,b]

    Parses each config strictly (unknown keys, wrong types and out-of-range values are errors
    naming their JSON path), reads and checks its data files, and prints the plan: arms,
    epochs, iterations and parameter count. Trains nothing. Exit 2 for a bad config, 3 for
    missing or malformed data.
    """

    static let list = """
    adam-bench list [optimizers|models|datasets]

    Lists what configs can name; `list optimizers` shows every hyperparameter with its default
    and valid range.
    """

    static let diff = """
    adam-bench diff EXPECTED.csv ACTUAL.csv [--rtol R] [--atol A]

    Compares two result files cell by cell. Rows are matched by their key columns (arm, seed,
    iteration for curves.csv; arm, seed for summary.csv), so missing and extra rows are reported
    as such; a key that repeats is matched in order of appearance ("(occurrence 2)"). Files are
    read as RFC 4180 CSV (CRLF or LF, quoted fields with commas, quotes and line breaks).
    Two cells agree when both are empty, both NaN, equal as text, or numbers with
    |actual - expected| <= atol + rtol·|expected| (default: exact). Prints the first differences
    (row, column, expected, actual, relative error) and a count. Exit 0 when equal within
    tolerance, 1 when not, 2 for bad usage, 3 when a file cannot be read.
    """

    static let plot = """
    adam-bench plot RESULT_DIR... [-o FILE.svg] [--column C] [--log-y|--linear-y] [--x epoch|iteration|wall_seconds]
                    [--y-min A] [--y-max B] [--paper FIGURES.csv [--paper-figure F]]

    Draws each results folder as a panel like the paper's: a line per arm, legend, title, linear
    or log y axis (ticks at decades). An arm of several seeds is its mean over the seeds with a
    shaded band from the lowest to the highest seed (breaks where a seed has no finite value). Defaults come from the config's "plot" object
    ({"column": "eval_train_loss", "log_y": false, "x": "epoch", "y_min": .., "y_max": ..});
    flags override them. Without -o each folder gets RESULT_DIR/plot.svg; with -o all folders go
    side by side into one file. Diverged arms end in a cross; NaN and infinite values break lines.
    A "panels" list draws the folder once per entry, each with its overrides (x range, log y).
    --paper draws the paper's values (figures.csv: figure,panel,series,x,y) of the config's
    plot.paper_figure beside ours, dashed, in the colour of the arm of the same name ("+" and
    "-" alike); plot.paper_shift moves their x by that many epochs: our epoch = the paper's x +
    paper_shift, the one alignment the plots, report tables and paper-values claims share.
    A sweep over lr is drawn in Figure 4's layout: the loss at each read epoch (--epoch E: that
    one only) against log10(lr), a line per bias-correction setting (corrected red, uncorrected
    green), a panel per other setting, a row per beta1 when beta1 and beta2 both vary; the paper's
    points of each panel as markers.
    """

    static let report = """
    adam-bench report RESULT_DIR... [-o FILE.md] [--images DIR] [--paper FIGURES.csv]

    A Markdown reproduction report, one section per results folder: the plot (ours as lines, an
    arm of several seeds as its mean with a band; the paper's values of plot.paper_figure as
    markers), the config's "claims" checked on the results in two tables kept apart (the paper's
    text: PASS, FAIL or NO DATA with the numbers behind each; agreement with the paper's plotted
    values), ours against the paper's at the paper's epochs, each claim under each variant of the
    set-up with its compute, the choices the config made (each arm's resolved settings) and the
    provenance (version, CPU, threads, dates, wall and compute time, data SHA-256). The paper's
    values come from --paper, else paper/figures.csv in the working folder.
    Without -o the report goes to stdout and each folder's plot to RESULT_DIR/report.svg. With -o
    the plots go to --images (default: FILE.md's folder) as report-NAME.svg; when FILE.md already
    holds the lines <!-- adam-bench report: begin --> and <!-- adam-bench report: end --> (a
    README), only the text between them is replaced, headings one level down; a file with the
    markers missing, repeated or out of order, that is not an earlier report, is refused (exit 4)
    and left as it is.
    Seeds: a claim is decided on the seed mean and also checked on each seed alone; the report
    counts the seeds where it holds ("2 of 3") and says when they disagree.
    Epochs in claims are ours; our epoch = the paper's x + plot.paper_shift wherever the paper's
    values are read (plots, tables, paper-values).
    Claim kinds. Every claim takes "quote" (the paper's sentence, verbatim), "reading" (how the
    sentence is read as the quantity, and why its threshold) and "column" (default: the plot's):
      {"kind": "lowest"|"highest", "series": ARM, "epoch": E, "among": [ARMS]}
      {"kind": "order", "series": [ARM, ..], "epoch": E}                       ascending
      {"kind": "range", "series": ARM, "epoch": E, "min": A, "max": B}
      {"kind": "ratio", "series": ARM, "other": ARM, "epoch": E, "min": A, "max": B}   series / other
        or "from": E1, "to": E2 instead of "epoch": the geometric mean of the ratio over those epochs
      {"kind": "reach-ratio", "series": ARM, "other": ARM, "target": T, "min": A, "max": B}
        epochs (with "x": "wall_seconds", measured seconds) to reach T, series / other; never = inf
      {"kind": "reaches-first", "series": ARM, "other": ARM, "target": T}
      {"kind": "time-ratio", "series": ARM, "other": ARM, "min": A, "max": B}   seconds per epoch
      {"kind": "never-diverges", "series": ARM}                                no series: every arm
      {"kind": "best-point", "where": {KEY: V}, "epoch": E, "hyperparameter": KEY, "min": A, "max": B}
        or "is": V: the best point's value of KEY
      {"kind": "breaks-down", "where": {KEY: V}, "holds": {KEY: V}, "epoch": E, "factor": F, "at_least": K}
        each selected point against its counterpart (the same point with holds' values): broken
        when it diverged and the counterpart did not, or ended above F x its loss; at least K
        (or "at_most": K) broken. Without at_least/at_most: best selected / best of holds > F
    (best-point and breaks-down read a sweep's summary.csv at one of its read_epochs). Agreement
    with the paper's plotted values, reported apart:
      {"kind": "paper-values", "series": ARM, "tolerance": T, "from": E1, "to": E2}
        each paper point of the arm within a factor T of ours at the aligned epoch
    Variants: a config's "variants" [{"name": N, "config": FILE}] are other set-ups of the same
    figure, each a config of its own run into the same --out; the report checks this config's
    claims on each variant's results folder (beside this one) and shows every verdict and each
    set-up's compute (core-hours) in a Robustness table.
    """

    static let bench = """
    adam-bench bench gemm [--threads N] [--shape M,N,K,TA,TB]
    adam-bench bench step [--threads N]
    adam-bench bench math [FUNCTION...] [--threads N]
    adam-bench bench winograd
    adam-bench bench train CONFIG [--threads N] [--data-dir DIR] [--dense]

    Machine-readable performance figures (medians of repeated timings after a warm-up), for 1
    thread and all cores unless --threads is given:
      gemm   m,n,k,trans_a,trans_b,threads,gflops,peak_gflops (peak: a measured FMA loop, each
             thread's best of five runs)
      step   optimizer,parameters,threads,ns_per_parameter,gb_per_second
      math   function,inputs,max_ulps,at_input,seconds: VectorMath's exp, log1p, softplus,
             log-sigmoid and sigmoid on all 2^32 Float inputs against the C library in double
      winograd  layer,product,max_error_relative_to_rms,bound: Winograd F(4x4, 5x5) against the
             direct convolution on Figure 3's conv2 and conv3 (random data), and the tests' bound
      train  config,arm,threads,batch_size,examples_per_second,ms_per_step,eval_ms_per_step,peak_rss_mb,
             ms_per_epoch,input,inputs_per_example (sparse data: --dense runs the same rows stored dense)
    Build in release mode (make build) before timing anything.
    """

    static let exitCodes = """
    exit status:
      0  success
      1  `diff` found differences
      2  bad usage or invalid config
      3  dataset missing or malformed
      4  any other failure (I/O, internal)
      5  not finished: a shard of a successive-halving run trained what it could and a rung
         waits for other shards' points; run it again when they are done
    """

    static var config: String {
        var s = """
        Config files (JSON), one experiment per file. Unknown keys are errors.

        name            required; letters, digits, '.', '_', '-' (names the results folder)
        description     optional text
        dataset         object:
          name          mnist | fashion-mnist | cifar10 | imdb | libsvm | quadratic | rosenbrock
          path          folder under the data dir (default: the name; cifar-10-batches-bin; aclImdb)
          train_limit   use the first N training examples (default: all)
          binarize      mnist: threshold pixels at 0.5 (default false)
          test          cifar10: the test file in the folder (default test_batch.bin when present,
                        else no test set), e.g. test_batch_first1000.bin
          preprocess    cifar10: none (default) | standardize | zca | gcn-zca (also spelt
                        "whiten"); gcn-zca is pylearn2's recipe: each image centred and scaled
                        to norm gcn_scale (on pixels 0..255; a normaliser under 1e-8 is taken as
                        1), then ZCA of the result; ZCA statistics are cached (README: Data)
          zca_epsilon   zca, gcn-zca: added to the covariance's eigenvalues (default 0.1, for zca
                        on pixels in [0, 1]; for gcn-zca pylearn2's filter bias)
          gcn_scale     gcn-zca: each image's norm after contrast normalisation (default 55)
          vocabulary    imdb: the most frequent words kept as features (default 10000)
          features      imdb: binary (default) | counts | tfidf
          train, test   libsvm: files in svmlight/libsvm format (label idx:value ...), relative to
                        the data dir or absolute, raw or .gz; test optional
          features      libsvm: the feature count (required)
          index_base    libsvm: 1 (default) or 0, the number of the first feature
          labels        libsvm: the classes in order, e.g. ["-1", "+1"] (default: order of first
                        appearance in the training file)
          curvatures, targets (default 0), init, noise (default 0)      quadratic
          a (default 1), b (default 100), init (default [-1.5, 2])     rosenbrock
        model           object (left out for quadratic and rosenbrock):
          kind          logistic-regression | mlp | cnn | vae
          l2            lambda >= 0 (default 0): adds (lambda/2)·sum(w^2) over weights, not biases
          init          zeros | glorot-uniform | normal (with std, default 0.01);
                        default zeros for logistic-regression, glorot-uniform for the others;
                        or {"normal": {LAYER: STD, ...}}: weights N(0, STD^2) per layer, every
                        layer named (those of help params' names up to the dot, e.g. conv1 ..
                        conv3, fc1, fc2), biases zero; e.g. {"normal": {"conv1": 1e-4, "conv2":
                        0.01, "conv3": 0.01, "fc1": 0.01, "fc2": 0.01}};
                        or {"from": "FILE.npy"}: every arm starts from this float32/float64 C-order
                        array (see help params), relative to the config file's folder
          hidden        mlp: hidden widths, e.g. [1000, 1000] (required)
          activation    mlp: relu (default) | softplus | tanh
          dropout       mlp, cnn: {"input": p, "hidden": q}, default 0 and 0; inverted dropout, the
                        drop probability rounded to a multiple of 2^-16; logistic-regression:
                        {"input": p} only. Sparse data (imdb, libsvm): the nonzero features
          conv          cnn: output channels per convolution, e.g. [64, 64, 128] (required)
          kernel        cnn: odd kernel size (default 5); stride 1, same padding
          pool          cnn: max-pool after each convolution, {"size": 3, "stride": 2, "pad": 1}
          conv_algorithm  cnn: "direct" (default: im2col GEMMs, the reference), "auto" (Winograd
                        F(4x4,5x5) for 5x5 layers with at least 16 input channels, direct for the
                        rest: about 1.9x faster on Figure 3's network) or "winograd" (every 3x3,
                        5x5 or 7x7 layer); part of the fingerprint, as Winograd rounds
                        differently (within 1e-4 of the output's RMS)
          hidden        cnn: fully connected ReLU widths, e.g. [1000] ([] for none; required)
          hidden, latent, activation   vae: [500], 50, softplus by default
        training        object:
          epochs        required (synthetic objectives: one iteration per epoch)
          batch_size    default 128; the last, partial minibatch of an epoch is used
          seed          default 1; or seeds: [..] to repeat every arm per seed (summary.csv adds
                        each arm's mean, sd, min, max; plots draw its mean with a band; claims
                        are decided on the mean, with the seeds where they hold counted)
          shuffle       default true; false keeps file order
          log_every     log a row every N iterations (default 0: evaluation points only)
          eval_every_epochs  default 1; the last epoch is always evaluated
          full_batch    default false: one minibatch of the whole training set
          checkpoint_every_epochs  default 1 (0 for quadratic and rosenbrock); 0 turns checkpoints off
          save_params   default false: write params/<arm>-seed<N>.npy when a point finishes
        arms            non-empty list of objects:
          name          default: the optimizer's name; unique
          optimizer     one of the optimizers below, with its hyperparameters
          schedule      {"kind": "constant"} (default) or
                        {"kind": "inverse-sqrt", "per": "iteration" (default) | "epoch"}: lr/sqrt(t)
          averaging     {"kind": "ema", "beta": 0.999} or {"kind": "polyak"}: evaluate averaged parameters
          dropout       logistic-regression, mlp, cnn: {"input": p, "hidden": q}: this arm's dropout
                        instead of the model's
        sweep           {"arm": NAME, "grid": {"lr": [..], "beta1": [..], ..}, "read_epochs": [10, 100]}:
                        the arm is replaced by every combination of the values (see help sweep)
        tune            {"grid": {"lr": [..]}, "select": "final_eval_train_loss"}: every arm runs the grid;
                        curves.csv and summary.csv show each arm's best point (diverged points rank
                        last, seeds averaged), tuning.csv the whole grid. "arm_grids": {"adadelta":
                        {"lr": [0.3, 1, 3]}, ..} gives arms their own grids (then "grid" is needed only
                        for the arms without one). Values added to a grid later reuse the finished points
          select        how points are ranked (lowest loss, highest accuracy; ties: first in grid order;
                        a point that diverged or has a NaN or infinite value in the window ranks last):
                        "final_C" (last value) or "best_C" (best value) of a column C = train_loss |
                        eval_train_loss | test_loss | test_accuracy (default final_eval_train_loss), or
                        {"column": C, "statistic": S, "epochs": K} with S one of
                          last       the last logged value
                          best       the best logged value
                          mean_last  the mean over the last K epochs (K required, 1..training.epochs)
                          mean_log   the mean of log(value) over every logged epoch after 0 (a loss of
                                     0 counts as 1.4e-45); for test_accuracy the mean of the value
                        The manifest and report also show each arm's pick under last, mean_last
                        (K, default 10) and mean_log of the same column.
          halving       {"rungs": [5, 15, 45], "keep": 0.5}: successive halving. Every grid point
                        trains to the first rung and stops with a checkpoint; the best ceil(keep x n)
                        of an arm's n points (at least 1) by select, on the curves up to the rung, go
                        on from their checkpoints to the next rung, and so on. rungs: strictly
                        increasing evaluated epochs (multiples of eval_every_epochs), the last =
                        training.epochs; keep in (0, 1]. Not with sfo arms. tuning.csv gets
                        cut_at_epoch; manifest and report every rung's ranking (see help run)
        plot            {"column": "eval_train_loss", "log_y": false, "x": "epoch", "y_min": .., "y_max": ..,
                         "x_min": .., "x_max": .., "panels": [{"title", "log_y", "x", "x_min", "x_max", "y_min",
                         "y_max"}, ..], "paper_figure": "3", "paper_shift": 1} (see help plot)
        claims          [{"kind": "ratio", "series": "sgd", "other": "adam", "epoch": 45, "min": 1.2,
                         "quote": "..", "reading": ".."}, ..]: the paper's sentences, each read as a
                        quantity with a stated threshold, and agreement with its plotted values
                        ("paper-values"), checked by adam-bench report (see help report)
        variants        [{"name": "constant-rate", "config": "other.json"}, ..]: other set-ups of the
                        same figure, each a config of its own (relative to this config's folder), run
                        into the same --out; report checks this config's claims on each. Claims,
                        variants and plot are not part of a point's fingerprint

        Optimizers (hyperparameter=default, valid range):

        """
        for spec in Optimizers.all {
            s += "  \(spec.name): \(spec.summary)\n    "
            s += spec.hyperparameters.map { "\($0.name)=\($0.defaultValue?.description ?? "(required)") \($0.domain.summary)" }
                .joined(separator: "; ") + "\n"
        }
        return s
    }

    static var topics: [String: String] {
        ["run": run, "sweep": sweep, "collect": sweep, "validate": validate, "params": params, "list": list, "diff": diff, "plot": plot, "report": report, "bench": bench,
         "config": config, "exit-codes": exitCodes]
    }
}
