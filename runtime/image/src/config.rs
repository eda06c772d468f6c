//! The image config JSON (OCI image config or Docker container config) turned into facts:
//! the `config` object, history, platform, creation time and the layers' diff_ids.
//!
//! The JSON is untrusted and varies between builders, so fields are read leniently from a
//! `serde_json::Value`: a field of an unexpected type is treated as absent rather than failing
//! the whole image.

use serde_json::{Map, Value};
use tollgate_facts::{Config, Duration, Healthcheck, HistoryEntry, Port, Timestamp};

use crate::history::parse_created_by;

/// What the reader takes from an image config.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedConfig {
    pub(crate) config: Config,
    pub(crate) history: Vec<HistoryEntry>,
    pub(crate) created: Option<Timestamp>,
    pub(crate) architecture: String,
    pub(crate) os: String,
    pub(crate) diff_ids: Vec<String>,
}

/// Parses an image config.
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedConfig, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|err| format!("it is not JSON: {err}"))?;
    let root = value.as_object().ok_or("it is not a JSON object")?;
    let empty = Map::new();
    let config = root
        .get("config")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let diff_ids = root
        .get("rootfs")
        .and_then(|rootfs| rootfs.get("diff_ids"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().map(|id| text(Some(id))).collect())
        .unwrap_or_default();
    Ok(ParsedConfig {
        config: parse_config(config),
        history: root
            .get("history")
            .and_then(Value::as_array)
            .map(|h| h.iter().map(parse_history).collect())
            .unwrap_or_default(),
        created: timestamp(root.get("created")),
        architecture: text(root.get("architecture")),
        os: text(root.get("os")),
        diff_ids,
    })
}

fn parse_config(config: &Map<String, Value>) -> Config {
    let env = strings(config.get("Env"))
        .into_iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            None => (pair, String::new()),
        })
        .collect();
    let exposed_ports = keys(config.get("ExposedPorts"))
        .into_iter()
        .filter_map(|key| {
            let (number, protocol) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            Some(Port {
                number: number.trim().parse().ok()?,
                protocol: protocol.to_lowercase(),
            })
        })
        .collect();
    let labels = config
        .get("Labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Config {
        user: text(config.get("User")),
        env,
        entrypoint: strings(config.get("Entrypoint")),
        cmd: strings(config.get("Cmd")),
        workdir: text(config.get("WorkingDir")),
        exposed_ports,
        volumes: keys(config.get("Volumes")),
        labels,
        healthcheck: config
            .get("Healthcheck")
            .and_then(Value::as_object)
            .map(parse_healthcheck),
        stop_signal: text(config.get("StopSignal")),
        shell: strings(config.get("Shell")),
    }
}

fn parse_healthcheck(check: &Map<String, Value>) -> Healthcheck {
    let test = strings(check.get("Test"));
    let nanos = |name: &str| {
        check
            .get(name)
            .and_then(Value::as_i64)
            .filter(|&n| n > 0)
            .map(Duration::from_nanos)
    };
    Healthcheck {
        disabled: test.first().is_some_and(|first| first == "NONE"),
        test,
        interval: nanos("Interval"),
        timeout: nanos("Timeout"),
        start_period: nanos("StartPeriod"),
        retries: check.get("Retries").and_then(Value::as_i64).unwrap_or(0),
    }
}

fn parse_history(entry: &Value) -> HistoryEntry {
    let created_by = text(entry.get("created_by"));
    let (instruction, arguments) = parse_created_by(&created_by);
    HistoryEntry {
        created: timestamp(entry.get("created")),
        instruction,
        arguments,
        created_by,
        empty_layer: entry
            .get("empty_layer")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        comment: text(entry.get("comment")),
        author: text(entry.get("author")),
    }
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn keys(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_object)
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

/// A config time; Docker writes the zero time `0001-01-01T00:00:00Z` for "unknown".
fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    let parsed: Timestamp = value?.as_str()?.parse().ok()?;
    (parsed.unix_seconds() > 0).then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_config_fields() {
        let parsed = parse(
            br#"{"architecture":"amd64","os":"linux","created":"2020-03-23T21:19:34.196162891Z",
            "config":{"User":"app:app","Env":["PATH=/usr/bin","EMPTY=","BARE"],"Entrypoint":["/init"],
              "Cmd":null,"WorkingDir":"/srv","ExposedPorts":{"8080/tcp":{},"53/udp":{},"9000":{}},
              "Volumes":{"/data":{}},"Labels":{"a":"b","n":3},"StopSignal":"SIGQUIT",
              "Healthcheck":{"Test":["CMD-SHELL","curl -f localhost"],"Interval":30000000000,
                "Timeout":5000000000,"StartPeriod":0,"Retries":3}},
            "rootfs":{"type":"layers","diff_ids":["sha256:aa"]},
            "history":[{"created":"0001-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]","empty_layer":true}]}"#,
        )
        .unwrap();
        let config = &parsed.config;
        assert_eq!(config.user, "app:app");
        assert_eq!(config.env.get("PATH").map(String::as_str), Some("/usr/bin"));
        assert_eq!(config.env.get("BARE").map(String::as_str), Some(""));
        assert_eq!(config.entrypoint, ["/init"]);
        assert!(config.cmd.is_empty());
        let ports: Vec<_> = config
            .exposed_ports
            .iter()
            .map(|p| (p.number, p.protocol.as_str()))
            .collect();
        assert_eq!(ports, [(53, "udp"), (8080, "tcp"), (9000, "tcp")]);
        assert_eq!(config.volumes, ["/data"]);
        assert_eq!(config.labels.len(), 1);
        let check = config.healthcheck.clone().unwrap();
        assert_eq!(check.interval, Some(Duration::from_seconds(30)));
        assert_eq!(check.timeout, Some(Duration::from_seconds(5)));
        assert_eq!(check.start_period, None);
        assert_eq!(check.retries, 3);
        assert!(!check.disabled);
        assert_eq!(parsed.diff_ids, ["sha256:aa"]);
        assert_eq!(
            parsed.created.unwrap().to_string(),
            "2020-03-23T21:19:34.196162891Z"
        );
        assert_eq!(parsed.history[0].instruction, "CMD");
        assert_eq!(parsed.history[0].created, None);
        assert!(parsed.history[0].empty_layer);
    }

    #[test]
    fn refuses_non_json() {
        assert!(parse(b"{nope").unwrap_err().starts_with("it is not JSON: "));
        assert_eq!(parse(b"[]").unwrap_err(), "it is not a JSON object");
    }
}
