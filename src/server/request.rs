//! What a generation request asks for, read from a JSON body or a query
//! string, each field checked with a problem that names it, its value and
//! what is valid. Defaults are the CLI's.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::ApiError;
use crate::job::{Format, Layout};
use crate::taxonomy::{Behavior, Domain};
use crate::{DEFAULT_SEED, Selection, TaxonomyEnum};

pub use crate::MAX_SEED;

/// A whole number, written `7` or `7.0` (JSON does not tell them apart).
fn whole(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= MAX_SEED as f64)
            .map(|f| f as u64)
    })
}

/// A seed that is not a whole number from 0 to [`MAX_SEED`].
pub fn bad_seed(value: Value) -> ApiError {
    ApiError::invalid(
        "seed",
        value,
        format!("'seed' must be a whole number from 0 to {MAX_SEED}"),
        format!("0 to {MAX_SEED}"),
    )
}

/// The body of `POST /coverage/generate`; every field is optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// Domain ids (default, or empty: all).
    #[schema(value_type = Option<Vec<crate::taxonomy::Domain>>)]
    pub domains: Option<Vec<String>>,
    /// Behavior ids (default, or empty: all).
    #[schema(value_type = Option<Vec<crate::taxonomy::Behavior>>)]
    pub behaviors: Option<Vec<String>>,
    /// `true`: per-domain and global files only; `false`: per-behavior files
    /// only; absent: all three layouts. `layouts` takes precedence.
    pub combined: Option<bool>,
    /// Answer with counts and the files that would be written; write nothing.
    pub dry_run: Option<bool>,
    /// `true` (default): start a job that writes under the server's root;
    /// `false`: stream the documents as NDJSON and write nothing.
    pub save: Option<bool>,
    /// Replace existing files (default false: refuse with 409).
    pub overwrite: Option<bool>,
    /// Cap picks and phrasing (default 42): 0 to 9007199254740991
    /// (2^53 − 1, what every JSON reader holds exactly).
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 9007199254740991.0)]
    pub seed: Option<u64>,
    /// `json` (default) or `jsonl`.
    #[schema(value_type = Option<crate::contract::files::Format>)]
    pub format: Option<String>,
    /// Any of `split`, `combined`, `global` (default, or empty: all three).
    #[schema(value_type = Option<Vec<crate::contract::files::Layout>>)]
    pub layouts: Option<Vec<String>>,
    /// A relative directory under the server's root (default: the root).
    pub out: Option<String>,
    /// Conversations per kept scenario, each a distinct draw (default 1).
    #[schema(minimum = 1, maximum = 10000)]
    pub variants: Option<u32>,
    /// Only a covering subset of the kept scenarios: every combination of
    /// this many factor values (2 or 3) that the kept set holds.
    #[schema(minimum = 2, maximum = 3)]
    pub strength: Option<u32>,
    /// With `strength`: at most this many scenarios, the ones covering the most.
    #[schema(minimum = 1)]
    pub budget: Option<u64>,
}

/// What to do with a generation request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Save { overwrite: bool },
    Stream,
}

/// A checked generation request.
#[derive(Clone, Debug)]
pub struct Generate {
    pub selection: Selection,
    pub seed: u64,
    pub layouts: Vec<Layout>,
    pub format: Format,
    /// Relative to the root; empty for the root itself.
    pub out: PathBuf,
    pub mode: Mode,
    pub variants: u32,
    /// The covering subset asked for (`strength`, `budget`), if any.
    pub subset: Option<crate::subset::SubsetSpec>,
}

const FIELDS: [&str; 13] = [
    "domains",
    "behaviors",
    "combined",
    "dry_run",
    "save",
    "overwrite",
    "seed",
    "format",
    "layouts",
    "out",
    "variants",
    "strength",
    "budget",
];

/// The most variants one request may ask for.
pub const MAX_VARIANTS: u32 = 10_000;

fn bad_strength(value: Value) -> ApiError {
    ApiError::invalid(
        "strength",
        value,
        "'strength' must be 2 (pairs) or 3 (triples)",
        "2, 3",
    )
}

fn bad_budget(value: Value) -> ApiError {
    ApiError::invalid(
        "budget",
        value,
        "'budget' must be a whole number of scenarios, 1 or more",
        "1 or more",
    )
}

fn bad_variants(value: Value) -> ApiError {
    ApiError::invalid(
        "variants",
        value,
        "'variants' must be a whole number from 1 to 10000",
        format!("1 to {MAX_VARIANTS}"),
    )
}

impl Generate {
    /// Checks a JSON body (an object; `null` or empty means every default).
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let empty = Map::new();
        let fields = match body {
            Value::Object(map) => map,
            Value::Null => &empty,
            other => {
                return Err(ApiError::invalid(
                    "",
                    other.clone(),
                    "the body must be a JSON object",
                    format!("an object with any of: {}", FIELDS.join(", ")),
                ));
            }
        };
        if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(ApiError::invalid(
                unknown,
                fields[unknown].clone(),
                format!("unknown field '{unknown}'"),
                FIELDS.join(", "),
            ));
        }
        let get = |key: &str| fields.get(key).filter(|v| !v.is_null());
        let list = |key: &str| -> Result<Option<Vec<String>>, ApiError> {
            get(key).map(|v| string_list(key, v)).transpose()
        };
        let flag = |key: &str| -> Result<Option<bool>, ApiError> {
            get(key)
                .map(|v| {
                    v.as_bool().ok_or_else(|| {
                        ApiError::invalid(
                            key,
                            v.clone(),
                            format!("'{key}' must be true or false"),
                            "true, false",
                        )
                    })
                })
                .transpose()
        };
        let text = |key: &str| -> Result<Option<String>, ApiError> {
            get(key)
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        ApiError::invalid(
                            key,
                            v.clone(),
                            format!("'{key}' must be a string"),
                            "a string",
                        )
                    })
                })
                .transpose()
        };
        let seed = get("seed")
            .map(|v| {
                whole(v)
                    .filter(|s| *s <= MAX_SEED)
                    .ok_or_else(|| bad_seed(v.clone()))
            })
            .transpose()?;
        let variants = get("variants")
            .map(|v| {
                whole(v)
                    .filter(|n| (1..=u64::from(MAX_VARIANTS)).contains(n))
                    .map(|n| n as u32)
                    .ok_or_else(|| bad_variants(v.clone()))
            })
            .transpose()?;
        let strength = get("strength")
            .map(|v| {
                whole(v)
                    .and_then(|t| crate::subset::Strength::try_from(t as usize).ok())
                    .ok_or_else(|| bad_strength(v.clone()))
            })
            .transpose()?;
        let budget = get("budget")
            .map(|v| {
                whole(v)
                    .and_then(|n| std::num::NonZeroUsize::new(n as usize))
                    .ok_or_else(|| bad_budget(v.clone()))
            })
            .transpose()?;
        let raw = Raw {
            strength,
            budget,
            variants,
            domains: list("domains")?,
            behaviors: list("behaviors")?,
            layouts: list("layouts")?,
            combined: flag("combined")?,
            dry_run: flag("dry_run")?,
            save: flag("save")?,
            overwrite: flag("overwrite")?,
            seed,
            format: text("format")?,
            out: text("out")?,
        };
        raw.check()
    }

    /// Checks a query string: lists as repeated keys or comma-separated.
    pub fn from_query(query: &str) -> Result<Self, ApiError> {
        let mut raw = Raw::default();
        for (key, value) in pairs(query)? {
            let bad = |valid: &str| {
                ApiError::invalid(
                    &key,
                    Value::String(value.clone()),
                    format!("bad value for '{key}'"),
                    valid,
                )
            };
            let items = || value.split(',').map(str::to_owned).collect::<Vec<_>>();
            let flag = || match value.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(bad("true, false")),
            };
            match key.as_str() {
                "domains" | "domain" => raw.domains.get_or_insert_with(Vec::new).extend(items()),
                "behaviors" | "behavior" => {
                    raw.behaviors.get_or_insert_with(Vec::new).extend(items())
                }
                "layouts" | "layout" => raw.layouts.get_or_insert_with(Vec::new).extend(items()),
                "combined" => raw.combined = Some(flag()?),
                "dry_run" => raw.dry_run = Some(flag()?),
                "save" => raw.save = Some(flag()?),
                "overwrite" => raw.overwrite = Some(flag()?),
                "seed" => {
                    let seed = value.parse().ok().filter(|s| *s <= MAX_SEED);
                    raw.seed = Some(seed.ok_or_else(|| bad_seed(Value::String(value.clone())))?);
                }
                "variants" => {
                    let n = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_VARIANTS).contains(n));
                    raw.variants =
                        Some(n.ok_or_else(|| bad_variants(Value::String(value.clone())))?);
                }
                "strength" => {
                    let t = value.parse::<crate::subset::Strength>().ok();
                    raw.strength =
                        Some(t.ok_or_else(|| bad_strength(Value::String(value.clone())))?);
                }
                "budget" => {
                    let n = crate::subset::parse_budget(&value).ok();
                    raw.budget = Some(n.ok_or_else(|| bad_budget(Value::String(value.clone())))?);
                }
                "format" => raw.format = Some(value.clone()),
                "out" => raw.out = Some(value.clone()),
                _ => {
                    return Err(ApiError::invalid(
                        &key,
                        Value::String(value),
                        format!("unknown parameter '{key}'"),
                        FIELDS.join(", "),
                    ));
                }
            }
        }
        raw.check()
    }
}

impl Generate {
    /// What a save of this request writes: every file's conversations,
    /// variants included (the count the server's ceiling is on).
    pub fn conversations(&self, coverage: &crate::Coverage) -> usize {
        if let Some(spec) = &self.subset {
            let subset = crate::subset::select_in(coverage, &self.selection, spec);
            let scenarios = crate::subset::scenarios_of(&subset);
            return crate::job::plan(&self.selection, &self.layouts)
                .iter()
                .map(|file| scenarios.iter().filter(|s| file.holds(s)).count())
                .sum::<usize>()
                * self.variants as usize;
        }
        let pairs = crate::contract::manifest::Manifest::build(coverage, &self.selection).pairs;
        crate::job::conversations(&self.selection, &self.layouts, &pairs, self.variants)
    }
}

/// The request's fields, typed but not yet checked against the taxonomy.
#[derive(Default)]
struct Raw {
    strength: Option<crate::subset::Strength>,
    budget: Option<std::num::NonZeroUsize>,
    variants: Option<u32>,
    domains: Option<Vec<String>>,
    behaviors: Option<Vec<String>>,
    layouts: Option<Vec<String>>,
    combined: Option<bool>,
    dry_run: Option<bool>,
    save: Option<bool>,
    overwrite: Option<bool>,
    seed: Option<u64>,
    format: Option<String>,
    out: Option<String>,
}

impl Raw {
    fn check(self) -> Result<Generate, ApiError> {
        let domains: Vec<Domain> = ids("domains", self.domains.unwrap_or_default())?;
        let behaviors: Vec<Behavior> = ids("behaviors", self.behaviors.unwrap_or_default())?;
        let layouts = match (
            self.layouts.filter(|names| !names.is_empty()),
            self.combined,
        ) {
            (Some(names), _) => {
                let mut layouts = Vec::new();
                for name in names {
                    let layout: Layout =
                        name.parse()
                            .map_err(|e: crate::contract::files::UnknownName| {
                                ApiError::invalid(
                                    "layouts",
                                    Value::String(name.clone()),
                                    e.to_string(),
                                    e.valid.clone(),
                                )
                            })?;
                    if !layouts.contains(&layout) {
                        layouts.push(layout);
                    }
                }
                layouts.sort();
                layouts
            }
            (None, Some(true)) => vec![Layout::Combined, Layout::Global],
            (None, Some(false)) => vec![Layout::Split],
            (None, None) => Layout::ALL.to_vec(),
        };
        let format = match self.format {
            None => Format::Json,
            Some(name) => name
                .parse()
                .map_err(|e: crate::contract::files::UnknownName| {
                    ApiError::invalid(
                        "format",
                        Value::String(name.clone()),
                        e.to_string(),
                        e.valid.clone(),
                    )
                })?,
        };
        let out = match self.out {
            None => PathBuf::new(),
            Some(text) => relative_dir(&text)?,
        };
        let mode = match (self.dry_run, self.save) {
            (Some(true), _) => Mode::DryRun,
            (_, Some(false)) => Mode::Stream,
            _ => Mode::Save {
                overwrite: self.overwrite.unwrap_or(false),
            },
        };
        let subset = match (self.strength, self.budget) {
            (Some(strength), budget) => Some(crate::subset::SubsetSpec {
                budget,
                ..crate::subset::SubsetSpec::new(strength)
            }),
            (None, Some(budget)) => {
                return Err(ApiError::invalid(
                    "budget",
                    Value::from(budget.get()),
                    "'budget' needs 'strength': it caps a covering subset",
                    "strength 2 or 3 beside it",
                ));
            }
            (None, None) => None,
        };
        Ok(Generate {
            subset,
            selection: Selection::new(domains, behaviors),
            seed: self.seed.unwrap_or(DEFAULT_SEED),
            layouts,
            format,
            out,
            mode,
            variants: self.variants.unwrap_or(1),
        })
    }
}

fn string_list(key: &str, value: &Value) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::invalid(
            key,
            value.clone(),
            format!("'{key}' must be a list of ids"),
            "an array of strings",
        )
    };
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(bad))
        .collect()
}

/// Taxonomy ids, each checked; the first unknown one is the problem.
pub fn ids<T: TaxonomyEnum>(field: &str, names: Vec<String>) -> Result<Vec<T>, ApiError> {
    names
        .into_iter()
        .map(|name| {
            T::from_id(&name).map_err(|e| {
                let valid = T::IDS.join(", ");
                ApiError::invalid(field, Value::String(name.clone()), e.to_string(), valid)
            })
        })
        .collect()
}

/// The query parameters that are lists, and so may repeat.
const LIST_PARAMETERS: [&str; 8] = [
    "domains",
    "domain",
    "behaviors",
    "behavior",
    "layouts",
    "layout",
    "model",
    "models",
];

/// A query string's `key=value` pairs, decoded, in order. A parameter that
/// is not a list given twice (`seed=1&seed=2`) is a 400 naming it: which
/// one was meant cannot be known.
pub(crate) fn pairs(query: &str) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
        ApiError::invalid(
            "",
            Value::String(query.to_owned()),
            format!("not a query string: {e}"),
            "key=value pairs",
        )
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for (key, value) in &pairs {
        if !LIST_PARAMETERS.contains(&key.as_str()) && !seen.insert(key.as_str()) {
            return Err(ApiError::invalid(
                key,
                Value::String(value.clone()),
                format!("parameter '{key}' is given more than once"),
                "each parameter once (only lists may repeat)",
            )
            .with_status(axum::http::StatusCode::BAD_REQUEST));
        }
    }
    Ok(pairs)
}

/// `out`: a relative path of plain names; no `..`, no absolute path.
fn relative_dir(text: &str) -> Result<PathBuf, ApiError> {
    let path = Path::new(text);
    let plain = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain || text.contains('\0') {
        return Err(ApiError::invalid(
            "out",
            Value::String(text.to_owned()),
            format!("'{text}' is not a directory under the server's root"),
            "a relative path of plain names, e.g. runs/seed-7",
        ));
    }
    Ok(path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_whole_number_may_be_written_as_an_integer_or_a_float_with_no_fraction() {
        assert_eq!(whole(&json!(7)), Some(7));
        assert_eq!(whole(&json!(7.0)), Some(7));
        assert_eq!(whole(&json!(MAX_SEED)), Some(MAX_SEED));
        for bad in [
            json!(7.5),
            json!(-1),
            json!(-1.0),
            json!(1e300),
            json!("7"),
            json!(null),
        ] {
            assert_eq!(whole(&bad), None, "{bad}");
        }
    }

    #[test]
    fn an_output_directory_is_a_relative_path_of_plain_names() {
        let ok = |text: &str| relative_dir(text).unwrap();
        assert_eq!(ok("runs/seed-7"), PathBuf::from("runs/seed-7"));
        assert_eq!(ok("./runs/./a b"), PathBuf::from("runs/a b"));
        assert_eq!(ok(""), PathBuf::new());
        for bad in ["../up", "runs/../../up", "/etc", "a\0b"] {
            let ApiError(status, problem) = relative_dir(bad).unwrap_err();
            assert_eq!(status.as_u16(), 422, "{bad}");
            assert_eq!(problem.field.as_deref(), Some("out"), "{bad}");
        }
    }

    #[test]
    fn a_repeated_query_parameter_is_a_400_unless_it_is_a_list() {
        let ApiError(status, problem) = pairs("seed=1&domains=a&seed=2").unwrap_err();
        assert_eq!(status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(problem.detail, "parameter 'seed' is given more than once");
        assert_eq!(problem.field.as_deref(), Some("seed"));
        assert_eq!(pairs("domains=a&domains=b&domain=c").unwrap().len(), 3);
    }

    #[test]
    fn query_pairs_are_decoded_in_order() {
        assert_eq!(
            pairs("seed=7&domains=a%20b&domains=c+d").unwrap(),
            [
                ("seed".to_owned(), "7".to_owned()),
                ("domains".to_owned(), "a b".to_owned()),
                ("domains".to_owned(), "c d".to_owned()),
            ]
        );
    }

    #[test]
    fn an_unknown_id_is_named_with_every_valid_one() {
        let ApiError(_, problem) =
            ids::<Domain>("domains", vec!["cart_management".into(), "refunds".into()]).unwrap_err();
        assert_eq!(problem.field.as_deref(), Some("domains"));
        assert_eq!(problem.value, Some(Value::String("refunds".into())));
        assert!(problem.detail.contains("'refunds'"), "{}", problem.detail);
        assert!(
            problem
                .valid
                .unwrap()
                .starts_with("product_discovery_search, ")
        );
    }
}
