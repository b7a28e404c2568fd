//! `POLYBOT_<SECTION>_<KEY>` overrides, applied to the TOML tree before deserializing so that
//! type errors and validation treat them exactly like values from the file.

use std::collections::BTreeMap;

use polybot_forecast::config::SECRET_ENV_VARS as FORECAST_SECRETS;
use toml::{Table, Value};

use crate::ConfigError;
use crate::schema::{KeyKind, SECTIONS, Schema};

pub const ENV_PREFIX: &str = "POLYBOT_";
/// Short alias for `POLYBOT_STORAGE_DATA_DIR`, the one override nearly every deployment sets.
pub const ENV_DATA_DIR: &str = "POLYBOT_DATA_DIR";

/// `POLYBOT_*` variables that mean something else (CLI flags, secrets) and are never overrides.
pub const NOT_OVERRIDES: [&str; OWN_NOT_OVERRIDES.len() + FORECAST_SECRETS.len()] =
    concat(&OWN_NOT_OVERRIDES, &FORECAST_SECRETS);

const OWN_NOT_OVERRIDES: [&str; 12] = [
    "POLYBOT_CONFIG",
    "POLYBOT_LIVE",
    "POLYBOT_LOG",
    "POLYBOT_PRIVATE_KEY",
    "POLYBOT_KEYSTORE_PASSWORD",
    "POLYBOT_CLOB_API_KEY",
    "POLYBOT_CLOB_API_SECRET",
    "POLYBOT_CLOB_API_PASSPHRASE",
    polybot_alerts::config::ENV_TELEGRAM_BOT_TOKEN,
    polybot_alerts::config::ENV_DISCORD_WEBHOOK_URL,
    polybot_alerts::config::ENV_SLACK_WEBHOOK_URL,
    polybot_alerts::config::ENV_SMTP_PASSWORD,
];

/// `a` then `b`, at compile time: the forecast crate's list is taken whole, so a key variable
/// added there is never left out here (a length mismatch fails to compile).
const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// Which environment variable set each dotted key, so later errors can name it.
pub(crate) type Origins = BTreeMap<String, String>;

/// One override, resolved to its section and key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Override {
    pub var: String,
    pub section: &'static str,
    pub key: String,
    pub value: Value,
}

impl Override {
    pub(crate) fn dotted(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }
}

/// Resolves every `POLYBOT_*` variable in `env`, failing on the first one that maps to nothing.
pub(crate) fn overrides(
    env: &BTreeMap<String, String>,
    schema: &Schema,
) -> Result<Vec<Override>, ConfigError> {
    let mut out: Vec<Override> = Vec::new();
    for (var, raw) in env {
        if !var.starts_with(ENV_PREFIX) || NOT_OVERRIDES.contains(&var.as_str()) {
            continue;
        }
        let (section, key) = resolve(var, schema)?;
        let kind = schema.key_kind(section, &key).unwrap_or(KeyKind::Text);
        let value = parse_value(var, &format!("{section}.{key}"), raw, kind)?;
        let o = Override {
            var: var.clone(),
            section,
            key,
            value,
        };
        if let Some(prev) = out.iter().find(|p| p.dotted() == o.dotted()) {
            return Err(ConfigError::EnvConflict {
                first: prev.var.clone(),
                key: o.dotted(),
                second: o.var,
            });
        }
        out.push(o);
    }
    Ok(out)
}

/// Maps a variable name to its section and key, or explains why it maps to nothing.
fn resolve(var: &str, schema: &Schema) -> Result<(&'static str, String), ConfigError> {
    let unknown = |reason: String| ConfigError::UnknownEnvVar {
        var: var.to_owned(),
        reason,
    };
    if var == ENV_DATA_DIR {
        return Ok(("storage", "data_dir".to_owned()));
    }
    let rest = var.strip_prefix(ENV_PREFIX).unwrap_or(var);
    if rest != rest.to_ascii_uppercase() {
        return Err(unknown("override names are upper case".into()));
    }
    let lower = rest.to_ascii_lowercase();
    let (section_name, key) = lower.split_once('_').unwrap_or((&lower, ""));
    let Some(section) = schema.section(section_name) else {
        return Err(unknown(format!(
            "not a config override: `{section_name}` is not a section (POLYBOT_<SECTION>_<KEY> \
             with SECTION one of {}; other POLYBOT_ variables: {}, {})",
            SECTIONS.join(", ").to_ascii_uppercase(),
            ENV_DATA_DIR,
            NOT_OVERRIDES.join(", ")
        )));
    };
    if schema.key_kind(section, key).is_none() {
        return Err(unknown(format!(
            "section [{section}] has no key `{key}`; it accepts: {}",
            schema.keys(section).join(", ")
        )));
    }
    Ok((section, key.to_owned()))
}

/// Numbers, booleans and arrays are written as TOML; anything else is the literal string.
fn parse_value(var: &str, key: &str, raw: &str, kind: KeyKind) -> Result<Value, ConfigError> {
    if kind == KeyKind::Text {
        return Ok(Value::String(raw.to_owned()));
    }
    match (parse_toml_value(raw), kind) {
        (Some(v @ Value::Array(_)), _) => Ok(v),
        (_, KeyKind::Array) => Err(ConfigError::EnvValue {
            var: var.to_owned(),
            key: key.to_owned(),
            reason: "must be a TOML array, e.g. [\"SPORTS\", \"CRYPTO\"] (or [] for none)".into(),
        }),
        (Some(v @ (Value::Integer(_) | Value::Float(_) | Value::Boolean(_))), _) => Ok(v),
        _ => Ok(Value::String(raw.to_owned())),
    }
}

/// The value of `raw` read as a single TOML value, if it is one.
fn parse_toml_value(raw: &str) -> Option<Value> {
    let mut table: Table = toml::from_str(&format!("v = {raw}")).ok()?;
    if table.len() != 1 {
        return None;
    }
    table.remove("v")
}

/// Writes each override into `table`, returning where every key came from.
pub(crate) fn apply(table: &mut Table, overrides: Vec<Override>) -> Result<Origins, ConfigError> {
    let mut origins = Origins::new();
    for o in overrides {
        let dotted = o.dotted();
        let section = table
            .entry(o.section)
            .or_insert_with(|| Value::Table(Table::new()));
        let Value::Table(section) = section else {
            return Err(ConfigError::Type {
                key: o.section.to_owned(),
                message: "must be a table ([section]) to take an override".into(),
                origin: format!("overridden by environment variable {}", o.var),
            });
        };
        section.insert(o.key, o.value);
        origins.insert(dotted, o.var);
    }
    Ok(origins)
}

/// The variable that set `path` (a serde path such as `scanning.include_categories[0]`).
pub(crate) fn origin_of<'a>(origins: &'a Origins, path: &str) -> Option<&'a str> {
    origins.iter().find_map(|(key, var)| {
        let rest = path.strip_prefix(key.as_str())?;
        (rest.is_empty() || rest.starts_with(['.', '['])).then_some(var.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn one(var: &str, value: &str) -> Result<Vec<Override>, ConfigError> {
        overrides(&env(&[(var, value)]), &Schema::new())
    }

    #[test]
    fn values_take_the_type_of_their_key() {
        let cases: [(&str, &str, Value); 6] = [
            (
                "POLYBOT_SCANNING_MIN_VOLUME_USD",
                "5000",
                Value::Integer(5000),
            ),
            ("POLYBOT_SCANNING_MAX_SPREAD", "0.05", Value::Float(0.05)),
            ("POLYBOT_LOGGING_FILE", "true", Value::Boolean(true)),
            (
                "POLYBOT_SCANNING_MAX_SPREAD",
                "abc",
                Value::String("abc".into()),
            ),
            // Text keys are never reinterpreted, even when they look like numbers.
            (
                "POLYBOT_STORAGE_DATA_DIR",
                "123",
                Value::String("123".into()),
            ),
            (
                "POLYBOT_SCANNING_INCLUDE_CATEGORIES",
                "[\"SPORTS\",\"CRYPTO\"]",
                Value::Array(vec!["SPORTS".into(), "CRYPTO".into()]),
            ),
        ];
        for (var, raw, expected) in cases {
            let o = one(var, raw).unwrap();
            assert_eq!(o[0].value, expected, "{var}={raw}");
        }
    }

    #[test]
    fn unknown_variables_are_named() {
        for var in [
            "POLYBOT_SCANING_MAX_SPREAD",
            "POLYBOT_SCANNING_MAX_SPRAED",
            "POLYBOT_SCANNING",
            "POLYBOT_scanning_max_spread",
            "POLYBOT_",
        ] {
            let e = one(var, "1").unwrap_err();
            assert!(matches!(&e, ConfigError::UnknownEnvVar { var: v, .. } if v == var));
            assert!(e.to_string().contains(var), "{e}");
        }
    }

    #[test]
    fn reserved_and_foreign_variables_are_ignored() {
        let mut pairs: Vec<(&str, &str)> = NOT_OVERRIDES.iter().map(|v| (*v, "x")).collect();
        pairs.push(("PATH", "/bin"));
        pairs.push(("POLYBOTX_FOO", "1"));
        assert!(overrides(&env(&pairs), &Schema::new()).unwrap().is_empty());
    }

    #[test]
    fn data_dir_alias_and_conflict() {
        let o = one("POLYBOT_DATA_DIR", "/srv/bot").unwrap();
        assert_eq!(o[0].dotted(), "storage.data_dir");
        let e = overrides(
            &env(&[
                ("POLYBOT_DATA_DIR", "/a"),
                ("POLYBOT_STORAGE_DATA_DIR", "/b"),
            ]),
            &Schema::new(),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::EnvConflict { .. }), "{e}");
    }

    #[test]
    fn array_keys_need_toml_arrays() {
        let e = one("POLYBOT_SCANNING_EXCLUDE_CATEGORIES", "SPORTS,CRYPTO").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("POLYBOT_SCANNING_EXCLUDE_CATEGORIES"), "{msg}");
        assert!(msg.contains("scanning.exclude_categories"), "{msg}");
    }

    #[test]
    fn origin_lookup_respects_key_boundaries() {
        let mut origins = Origins::new();
        origins.insert("scanning.max_spread".into(), "V".into());
        assert_eq!(origin_of(&origins, "scanning.max_spread"), Some("V"));
        assert_eq!(origin_of(&origins, "scanning.max_spread[0]"), Some("V"));
        assert_eq!(origin_of(&origins, "scanning.max_spreadx"), None);
    }
}
