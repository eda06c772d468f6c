//! The checks a candidate match must pass before it is reported: entropy, placeholders,
//! and the format checks of a few rules (a Docker `auth` value decodes to `user:password`,
//! a JWT header is JSON). They keep false alarms low on real file systems.

/// A regex match under test.
pub(crate) struct Candidate<'a> {
    /// The secret's value (quotes stripped).
    pub secret: &'a [u8],
    /// The `key` capture group of assignment rules (`db_password`), when the rule has one.
    pub key: Option<&'a [u8]>,
    /// Whether the value was written in quotes (the quotes are not part of `secret`).
    pub quoted: bool,
    /// The whole file, for checks that need context (`"auths"` in a Docker config).
    pub file: &'a [u8],
    /// The rest of the value's line after it (the host after a URL's password).
    pub after: &'a [u8],
}

/// A check every candidate of a rule must pass.
pub(crate) type Check = fn(&Candidate<'_>) -> bool;

/// Shannon entropy of the bytes of `value`, in bits per byte.
pub fn shannon_entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &byte in value {
        if let Some(count) = counts.get_mut(usize::from(byte)) {
            *count += 1;
        }
    }
    let total = value.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let share = f64::from(count) / total;
            -share * share.log2()
        })
        .sum()
}

/// Words that, found anywhere in a value, mark it as a placeholder or documentation sample.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "example",
    "placeholder",
    "your_",
    "your-",
    "yourpass",
    "yoursecret",
    "yourtoken",
    "yourkey",
    "redacted",
    "dummy",
    "sample",
    "fixme",
    "replace_",
    "replaceme",
    "replace-me",
    "insert_",
    "insert-",
    "notreal",
    "not_real",
    "not-real",
    "notasecret",
    "xxxx",
    "****",
    "....",
    "${",
    "{{",
    "}}",
    "$(",
    "#{",
    "%(",
    "getenv",
    "environ",
    "process.env",
    "env(",
    "env[",
    "lookup(",
    "secrets.",
    "getpass",
];

/// Whole values (compared case-insensitively) that are placeholders, type names or
/// keywords rather than credentials.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "secrets",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "key",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "empty",
    "string",
    "str",
    "text",
    "bool",
    "boolean",
    "int",
    "integer",
    "number",
    "bytes",
    "optional",
    "required",
    "default",
    "value",
    "test",
    "testing",
    "foo",
    "bar",
    "baz",
    "foobar",
    "admin",
    "user",
    "username",
    "root",
    "guest",
    "demo",
    "qwerty",
    "letmein",
    "123456",
    "12345678",
    "123456789",
    "abc123",
    "n/a",
    "tbd",
    "todo",
];

/// Keyboard and alphabet runs: a value that is a piece of one of these is not random.
const RUNS: &[&str] = &[
    "0123456789012345678901234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
];

/// Whether `value` is a placeholder, a template or a variable reference rather than a
/// credential: `changeme`, `${DB_PASSWORD}`, `{{ password }}`, `<password>`, `%(pw)s`,
/// `$PASSWORD`, `****`, a YAML alias, one character repeated, an alphabet run.
pub fn is_placeholder(value: &[u8]) -> bool {
    let text = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
    if text.is_empty() {
        return true;
    }
    if PLACEHOLDER_VALUES.contains(&text.as_str()) {
        return true;
    }
    // `Password1`, `secret123!`: a placeholder word with a counter.
    let word = text.trim_end_matches(|c: char| !c.is_ascii_alphabetic());
    if word.len() >= 4 && word.len() < text.len() && PLACEHOLDER_VALUES.contains(&word) {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|word| text.contains(word)) {
        return true;
    }
    if text.contains('<') && text.contains('>') {
        return true;
    }
    let original = String::from_utf8_lossy(value);
    if DOCUMENTED_EXAMPLES
        .iter()
        .any(|example| original.contains(example))
    {
        return true;
    }
    let bytes = text.as_bytes();
    let first = bytes.first().copied().unwrap_or(b' ');
    let last = bytes.last().copied().unwrap_or(b' ');
    let rest_is_name = bytes.get(1..).is_some_and(|rest| {
        !rest.is_empty() && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    });
    // `$VAR`, `&anchor`, `*alias`, `!tag`, `@subst@`, `%VAR%`, `{name}`, `[list]`, `(call)`.
    if matches!(first, b'$' | b'&' | b'*' | b'!') && rest_is_name {
        return true;
    }
    // A shell, Perl or PHP variable or substitution: `$db_pass`, `${X}`, `$(cat f)`, `$self->{pw}`.
    if first == b'$'
        && bytes
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'{' | b'('))
    {
        return true;
    }
    if matches!(
        (first, last),
        (b'@', b'@') | (b'%', b'%') | (b'{', b'}') | (b'[', b']') | (b'(', b')')
    ) && bytes.len() > 1
    {
        return true;
    }
    if text.contains("%s") && bytes.len() < 12 {
        return true;
    }
    if bytes.iter().all(|&b| b == first) {
        return true;
    }
    bytes.len() >= 4 && RUNS.iter().any(|run| run.contains(text.as_str()))
}

/// Decodes standard or URL-safe base64, padded or not; `None` when it is not base64.
pub(crate) fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in text.iter().take_while(|&&b| b != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// No check beyond the regex: for formats that cannot be confused with anything else.
pub(crate) fn always(_: &Candidate<'_>) -> bool {
    true
}

/// A service token: not a placeholder, and random enough (3 bits per byte; a real
/// token of hex digits has close to 4, of base62 close to 5).
pub(crate) fn token(candidate: &Candidate<'_>) -> bool {
    !is_placeholder(candidate.secret) && shannon_entropy(candidate.secret) >= 3.0
}

/// A token that also must not contain `EXAMPLE` (AWS's documentation keys do).
pub(crate) fn aws_token(candidate: &Candidate<'_>) -> bool {
    token(candidate) && memchr::memmem::find(candidate.secret, b"EXAMPLE").is_none()
}

/// A long random secret found next to a generic keyword: at least 3.5 bits per byte.
pub(crate) fn high_entropy(candidate: &Candidate<'_>) -> bool {
    !is_placeholder(candidate.secret) && shannon_entropy(candidate.secret) >= 3.5
}

/// A credential that may be a human-chosen password (URLs, `.netrc`, `.pgpass`): only
/// placeholders and variable references are refused, since weak passwords are still leaks.
pub(crate) fn not_placeholder(candidate: &Candidate<'_>) -> bool {
    !is_placeholder(candidate.secret)
}

/// Documentation domains (RFC 2606): a URL credential for one of them is an example.
const EXAMPLE_HOSTS: &[&str] = &["example.com", "example.org", "example.net"];

/// A password in a URL: not a placeholder, and not for a documentation host.
pub(crate) fn url_password(candidate: &Candidate<'_>) -> bool {
    let host = candidate
        .after
        .strip_prefix(b"@")
        .unwrap_or(candidate.after)
        .split(|b| {
            matches!(
                b,
                b'/' | b':' | b'?' | b'#' | b'\'' | b'"' | b' ' | b'<' | b')'
            )
        })
        .next()
        .unwrap_or_default();
    let host = String::from_utf8_lossy(host).to_ascii_lowercase();
    let example = EXAMPLE_HOSTS
        .iter()
        .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")));
    !example && not_placeholder(candidate)
}

/// A Docker `config.json` `auth` value: inside an `"auths"` object and decoding to
/// `user:password` with a real password.
pub(crate) fn docker_auth(candidate: &Candidate<'_>) -> bool {
    memchr::memmem::find(candidate.file, b"\"auths\"").is_some() && basic_auth(candidate)
}

/// A base64 `user:password` pair whose password is not a placeholder.
pub(crate) fn basic_auth(candidate: &Candidate<'_>) -> bool {
    if is_placeholder(candidate.secret) {
        return false;
    }
    let Some(decoded) = decode_base64(candidate.secret) else {
        return false;
    };
    let Some(colon) = memchr::memchr(b':', &decoded) else {
        return false;
    };
    let password = decoded.get(colon + 1..).unwrap_or_default();
    !password.is_empty() && !is_placeholder(password)
}

/// A JWT: its header decodes to JSON naming an algorithm or a type, and it is not jwt.io's
/// example token (quoted in many libraries' documentation).
pub(crate) fn jwt(candidate: &Candidate<'_>) -> bool {
    let mut parts = candidate.secret.split(|&b| b == b'.');
    let header = parts.next().unwrap_or_default();
    let payload = parts.next().and_then(decode_base64).unwrap_or_default();
    // jwt.io's and PyJWT's documentation examples.
    if memchr::memmem::find(&payload, b"John Doe").is_some()
        || memchr::memmem::find(&payload, b"{\"some\":\"payload\"}").is_some()
    {
        return false;
    }
    decode_base64(header).is_some_and(|json| {
        json.first() == Some(&b'{')
            && (memchr::memmem::find(&json, b"\"alg\"").is_some()
                || memchr::memmem::find(&json, b"\"typ\"").is_some())
    })
}

/// A Google service-account key file.
pub(crate) fn gcp_service_account(candidate: &Candidate<'_>) -> bool {
    memchr::memmem::find(candidate.file, b"service_account").is_some()
}

/// A kubeconfig `client-key-data`: base64 of a PEM private key.
pub(crate) fn pem_in_base64(candidate: &Candidate<'_>) -> bool {
    decode_base64(candidate.secret.get(..64).unwrap_or(candidate.secret)).is_some_and(|pem| {
        pem.starts_with(b"-----BEGIN") && memchr::memmem::find(&pem, b"PRIVATE KEY").is_some()
    })
}

/// Suffixes of configuration keys that name something about a password (its file, its
/// length, its policy) rather than the password itself.
const NON_SECRET_KEY_SUFFIXES: &[&str] = &[
    "file",
    "path",
    "dir",
    "cmd",
    "command",
    "prompt",
    "length",
    "len",
    "min",
    "max",
    "policy",
    "type",
    "field",
    "label",
    "hint",
    "regex",
    "pattern",
    "url",
    "uri",
    "expiry",
    "expires",
    "age",
    "days",
    "enabled",
    "required",
    "allowed",
    "chars",
    "mode",
    "method",
    "format",
    "encoding",
    "env",
    "var",
    "name",
    "header",
    "param",
    "prefix",
    "suffix",
    "size",
    "rounds",
    "algorithm",
    "store",
    "manager",
    "class",
    "provider",
    "helper",
    "script",
];

/// More suffixes of keys that name something about a credential.
const MORE_NON_SECRET_KEY_SUFFIXES: &[&str] = &[
    "encryption",
    "hashes",
    "tohashes",
    "reset",
    "change",
    "changed",
    "expired",
    "validator",
];

/// Example values published in specifications and documentation (RFC 6749, RFC 5849), found
/// in the libraries that implement them.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    "SplxlOBeZQQYbYS6WxSbIA",
    "ad180jjd733klru7",
    "kd94hf93k423kf44",
    "hh5s93j4hdidpola",
    "nnch734d00sl2jdk",
    "pfkkdhi9sl3r4s00",
    "dh893hdasih9",
];

/// Words naming a credential: an identifier containing one is a variable holding it
/// (`key_password`, `challengePassword`), not its value.
const CREDENTIAL_WORDS: &[&str] = &["pass", "pwd", "secret", "token", "key", "auth", "cred"];

/// An assignment found by a generic rule (`password = ...`, `"api_key": "..."`): the key
/// names the value itself, and the value is neither a placeholder, a variable, a function
/// call, a path nor a URL.
fn assignment(candidate: &Candidate<'_>, min_len: usize, min_entropy: f64) -> bool {
    let value = candidate.secret;
    if value.len() < min_len || is_placeholder(value) || shannon_entropy(value) < min_entropy {
        return false;
    }
    if let Some(key) = candidate.key {
        let key = String::from_utf8_lossy(key).to_ascii_lowercase();
        let last = key.rsplit(['_', '-', '.']).next().unwrap_or_default();
        let keyword_at_end = [
            "password", "passwd", "pwd", "secret", "key", "token", "apikey",
        ]
        .iter()
        .any(|word| key.ends_with(word));
        if !keyword_at_end
            && NON_SECRET_KEY_SUFFIXES
                .iter()
                .chain(MORE_NON_SECRET_KEY_SUFFIXES)
                .any(|suffix| last == *suffix || (suffix.len() >= 4 && key.ends_with(suffix)))
        {
            return false;
        }
    }
    let text = String::from_utf8_lossy(value);
    let looks_like_path = [
        "/",
        "./",
        "../",
        "~/",
        "file:",
        "http:",
        "https:",
        "classpath:",
    ]
    .iter()
    .any(|start| text.starts_with(start));
    let lower = text.to_ascii_lowercase();
    let identifier = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':'));
    let names_a_credential = identifier && CREDENTIAL_WORDS.iter().any(|word| lower.contains(word));
    if looks_like_path || names_a_credential {
        return false;
    }
    if candidate.quoted {
        return true;
    }
    // Unquoted, in code: `index_url_user_password`, `self.refresh`, `a:dict.tmp`, `x[1]`,
    // `call()`, `a ? b : c`, `true|false` are references and expressions, not values.
    let looks_like_code = text
        .bytes()
        .any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'|' | b'?'))
        || text.ends_with(';')
        || (identifier && text.bytes().any(|b| matches!(b, b'_' | b'.' | b':')));
    !looks_like_code
}

/// `password = ...`: 8 characters or more, 3 bits per byte or more.
pub(crate) fn password_assignment(candidate: &Candidate<'_>) -> bool {
    assignment(candidate, 8, 3.0)
}

/// `secret = ...`, `api_key = ...`, `token = ...`: 16 characters or more, 3.5 bits per byte
/// or more, one word (tokens have no spaces).
pub(crate) fn token_assignment(candidate: &Candidate<'_>) -> bool {
    !candidate.secret.iter().any(u8::is_ascii_whitespace) && assignment(candidate, 16, 3.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_repeated_and_random_bytes() {
        assert!(shannon_entropy(b"aaaaaaaa").abs() < 1e-9);
        assert!((shannon_entropy(b"abcdefgh") - 3.0).abs() < 1e-9);
        assert!((shannon_entropy(b"") - 0.0).abs() < 1e-9);
    }

    #[test]
    fn placeholders_are_recognised() {
        for value in [
            "changeme",
            "${DB_PASSWORD}",
            "{{ password }}",
            "<password>",
            "%(pw)s",
            "$PASSWORD",
            "****",
            "xxxxxxxx",
            "password",
            "*default_pw",
            "@DB_PASS@",
            "%DBPASS%",
            "1234567890",
            "your_password_here",
            "Example123",
            "os.environ['X']",
        ] {
            assert!(
                is_placeholder(value.as_bytes()),
                "{value} should be a placeholder"
            );
        }
        for value in ["k9Vq2mZx7Lp", "Tr0ub4dor&3", "p4$$w0rd-Zq8"] {
            assert!(
                !is_placeholder(value.as_bytes()),
                "{value} should not be a placeholder"
            );
        }
    }

    #[test]
    fn base64_decodes_both_alphabets() {
        assert_eq!(decode_base64(b"dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(decode_base64(b"dXNlcjpwYXNzMQ==").unwrap(), b"user:pass1");
        assert_eq!(decode_base64(b"-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(decode_base64(b"not base64!").is_none());
    }
}
