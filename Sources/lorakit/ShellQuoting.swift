extension String {
    /// This word as a POSIX shell would need it typed: unchanged when it holds only characters no
    /// shell treats specially, otherwise in single quotes (with each `'` written as `'\''`).
    var shellQuoted: String {
        let plain = !isEmpty && unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || "-_./=:,+@%".unicodeScalars.contains(scalar))
        }
        return plain ? self : "'" + replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
