// The adam-bench version: written into every manifest and part of every point's and
// checkpoint's fingerprint, so results of another version are never reused.

public enum AdamBench {
    public static let version = "0.2.0"
}
