// Text bound for the terminal with its control characters escaped.

/// Text that came partly from files (names, keys, values in messages) with every control
/// character but the line break shown as an escape (ESC as \u{1B}), so nothing read from a
/// config can move the cursor, clear the screen or retitle the terminal.
public func terminalSafe(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        let v = scalar.value
        if scalar == "\n" || (v >= 0x20 && v != 0x7F && !(0x80...0x9F).contains(v)) {
            out.unicodeScalars.append(scalar)
        } else {
            out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
        }
    }
    return out
}
