//! Recovering the Dockerfile instruction and its arguments from a history entry's
//! `created_by`, in both the classic builder's form (`/bin/sh -c #(nop)  CMD ["sh"]`,
//! `/bin/sh -c apk add x`, `|1 A=b /bin/sh -c make`) and BuildKit's (`RUN /bin/sh -c make #
//! buildkit`, `COPY . /app # buildkit`, `ENV A=b`).

/// The instructions a Dockerfile has.
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Splits a `created_by` into (instruction, arguments); both empty when it is not a
/// Dockerfile step (an image built by another tool).
pub fn parse_created_by(created_by: &str) -> (String, String) {
    let text = created_by.trim();
    let text = text.strip_suffix("# buildkit").map_or(text, str::trim_end);
    if let Some(command) = shell_command(text) {
        if let Some(step) = command.strip_prefix("#(nop)") {
            return instruction(step.trim()).unwrap_or_default();
        }
        return ("RUN".into(), command.to_string());
    }
    match instruction(text) {
        Some((name, arguments)) if name == "RUN" => {
            let command = shell_command(&arguments)
                .map(str::to_string)
                .unwrap_or(arguments);
            (name, command)
        }
        Some(found) => found,
        None => Default::default(),
    }
}

/// `INSTRUCTION args` with a known instruction (any case).
fn instruction(text: &str) -> Option<(String, String)> {
    let (word, arguments) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let upper = word.to_ascii_uppercase();
    INSTRUCTIONS
        .contains(&upper.as_str())
        .then(|| (upper, arguments.trim().to_string()))
}

/// The command of `[|N K=V ...] /bin/sh -c COMMAND`, or `None` when `text` is not that shape.
fn shell_command(text: &str) -> Option<&str> {
    let text = skip_build_args(text);
    let command = text
        .strip_prefix("/bin/sh -c")
        .or_else(|| text.strip_prefix("/bin/bash -c"))?;
    (command.is_empty() || command.starts_with(char::is_whitespace)).then(|| command.trim())
}

/// Drops the `|N A=1 B=2 ` prefix the builder writes for a `RUN` with build arguments.
fn skip_build_args(text: &str) -> &str {
    let Some(rest) = text.strip_prefix('|') else {
        return text;
    };
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let Ok(count) = rest.get(..digits).unwrap_or_default().parse::<usize>() else {
        return text;
    };
    let mut rest = rest.get(digits..).unwrap_or_default();
    for _ in 0..count {
        rest = rest.trim_start();
        rest = rest
            .find(char::is_whitespace)
            .and_then(|end| rest.get(end..))
            .unwrap_or_default();
    }
    rest.trim_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, String) {
        parse_created_by(text)
    }

    fn pair(instruction: &str, arguments: &str) -> (String, String) {
        (instruction.to_string(), arguments.to_string())
    }

    #[test]
    fn classic_form() {
        assert_eq!(
            parsed(r#"/bin/sh -c #(nop)  CMD ["/bin/sh"]"#),
            pair("CMD", r#"["/bin/sh"]"#)
        );
        assert_eq!(
            parsed(
                "/bin/sh -c #(nop) ADD file:0c4555f363c2672e350001f1293e689875a3760afdc99b2c7b2b3f5d7a2f2da8 in / "
            ),
            pair(
                "ADD",
                "file:0c4555f363c2672e350001f1293e689875a3760afdc99b2c7b2b3f5d7a2f2da8 in /"
            )
        );
        assert_eq!(
            parsed("/bin/sh -c apk add --no-cache curl"),
            pair("RUN", "apk add --no-cache curl")
        );
        assert_eq!(
            parsed("|2 VERSION=1.2 DEBUG=0 /bin/sh -c make install"),
            pair("RUN", "make install")
        );
        assert_eq!(
            parsed("/bin/sh -c #(nop) WORKDIR /app"),
            pair("WORKDIR", "/app")
        );
    }

    #[test]
    fn buildkit_form() {
        assert_eq!(
            parsed("RUN /bin/sh -c apt-get update # buildkit"),
            pair("RUN", "apt-get update")
        );
        assert_eq!(
            parsed("RUN |1 X=y /bin/sh -c make # buildkit"),
            pair("RUN", "make")
        );
        assert_eq!(parsed("COPY . /app # buildkit"), pair("COPY", ". /app"));
        assert_eq!(parsed("ENV LANG=C.UTF-8"), pair("ENV", "LANG=C.UTF-8"));
        assert_eq!(
            parsed(r#"CMD ["python" "app.py"]"#),
            pair("CMD", r#"["python" "app.py"]"#)
        );
        assert_eq!(
            parsed("EXPOSE map[8080/tcp:{}]"),
            pair("EXPOSE", "map[8080/tcp:{}]")
        );
    }

    #[test]
    fn other_tools() {
        assert_eq!(parsed("umoci config"), pair("", ""));
        assert_eq!(parsed(""), pair("", ""));
        assert_eq!(parsed("|x /bin/sh -c y"), pair("", ""));
    }
}
