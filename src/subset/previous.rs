//! `--keep-from FILE`: the scenario ids of an earlier subset, read from a
//! manifest with a `subset` section, the `subset` section alone, or a text
//! file of ids (one per line, `#` comments), as PICT's `/e` reads seeds.

use std::path::Path;

use super::SubsetError;
use crate::taxonomy::Scenario;

/// The scenario ids of an earlier subset, in the file's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Previous {
    pub ids: Vec<String>,
}

impl Previous {
    pub fn new(ids: impl IntoIterator<Item = String>) -> Self {
        Self {
            ids: ids.into_iter().collect(),
        }
    }

    /// Reads `path`; an unreadable file or one that is none of the three
    /// forms is an error naming it.
    pub fn read(path: &Path) -> Result<Self, SubsetError> {
        let shown = path.display().to_string();
        let text =
            crate::input::read_to_string(path, crate::input::MAX_INPUT_BYTES).map_err(|e| {
                SubsetError::Unreadable {
                    path: shown.clone(),
                    reason: e.to_string(),
                }
            })?;
        let foreign = |reason: String| SubsetError::Foreign {
            path: shown.clone(),
            reason,
        };
        let ids = if text.trim_start().starts_with(['{', '[']) {
            from_json(&text).map_err(foreign)?
        } else {
            from_lines(&text).map_err(foreign)?
        };
        if ids.is_empty() {
            return Err(foreign("it lists no scenario ids".to_owned()));
        }
        Ok(Self { ids })
    }
}

/// The ids of a manifest's `subset` section, or of a bare section.
fn from_json(text: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("it is not valid JSON ({e})"))?;
    if let Some(vertical) = value.get("vertical").and_then(|v| v.as_str())
        && vertical != crate::taxonomy::VERTICAL
    {
        return Err(format!(
            "it is a manifest of the '{vertical}' vertical, not '{}'",
            crate::taxonomy::VERTICAL
        ));
    }
    let section = value
        .get("subset")
        .or_else(|| value.get("strength").map(|_| &value))
        .ok_or(
            "it has no `subset` section (write one with `coverage manifest --json --strength 2`)",
        )?;
    let scenarios = section
        .get("scenarios")
        .and_then(|s| s.as_array())
        .ok_or("its `subset` section has no `scenarios` list")?;
    scenarios
        .iter()
        .map(|id| {
            id.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`subset.scenarios` holds {id}, not a scenario id"))
        })
        .collect()
}

/// One id per line; blank lines and `#` comments skipped. A line that does
/// not have the shape of a scenario id means the file is something else.
fn from_lines(text: &str) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if !looks_like_id(line) {
            return Err(format!(
                "line {} ('{}') is not a scenario id (domain.behavior.{} bins, dot-separated)",
                n + 1,
                shorten(line),
                Scenario::WIDTH - 2
            ));
        }
        ids.push(line.to_owned());
    }
    Ok(ids)
}

/// Right number of snake_case parts. Ids of other taxonomy versions have
/// this shape too; whether this grid has them is decided later.
fn looks_like_id(line: &str) -> bool {
    let parts: Vec<&str> = line.split('.').collect();
    parts.len() == Scenario::WIDTH
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

fn shorten(line: &str) -> String {
    const MAX: usize = 60;
    match line.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "checkout_payments.multi_turn.high.soft.low_stock.near_limit";

    #[test]
    fn a_list_of_ids_skips_blanks_and_comments() {
        let text = format!("# earlier subset\n\n{ID}\n  {ID}  # again\n");
        assert_eq!(from_lines(&text).unwrap(), [ID, ID]);
    }

    #[test]
    fn a_line_that_is_not_an_id_names_its_number() {
        let error = from_lines(&format!("{ID}\nhello world\n")).unwrap_err();
        assert!(
            error.starts_with("line 2 ('hello world') is not a scenario id"),
            "{error}"
        );
    }

    #[test]
    fn a_manifest_gives_its_subset_and_a_bare_section_its_own_list() {
        let manifest = format!(
            r#"{{"vertical": "commerce", "subset": {{"strength": 2, "scenarios": ["{ID}"]}}}}"#
        );
        assert_eq!(from_json(&manifest).unwrap(), [ID]);
        let bare = format!(r#"{{"strength": 3, "scenarios": ["{ID}"]}}"#);
        assert_eq!(from_json(&bare).unwrap(), [ID]);
    }

    #[test]
    fn json_without_a_subset_or_of_another_vertical_is_foreign() {
        let plain = r#"{"vertical": "commerce", "scenarios": []}"#;
        assert!(
            from_json(plain)
                .unwrap_err()
                .contains("no `subset` section")
        );
        let travel = r#"{"vertical": "travel", "subset": {"scenarios": []}}"#;
        assert!(from_json(travel).unwrap_err().contains("'travel' vertical"));
        assert!(
            from_json("{")
                .unwrap_err()
                .starts_with("it is not valid JSON")
        );
    }
}
