//! The compiled commerce taxonomy: typed enums, the `Scenario` struct and
//! the `const` rule table, all generated at build time from
//! `taxonomy/commerce/v1.yaml`. Nothing is parsed at run time.

coverage_macros::taxonomy!("taxonomy/commerce/v1.yaml");

impl Scenario {
    /// The stable id, made only from the ids of its parts, e.g.
    /// `checkout_payments.multi_turn.high.soft.low_stock.near_limit`.
    pub fn id(&self) -> String {
        TAXONOMY.scenario_id(&self.coords())
    }

    /// The index of the outcome table's row that decides this scenario:
    /// the first that matches.
    pub fn outcome_row(&self) -> usize {
        TAXONOMY
            .outcome_row(&self.coords())
            .expect("the outcome table is total")
    }

    /// The decision of the outcome table for this scenario.
    pub fn decision(&self) -> Decision {
        Decision::ALL[usize::from(TAXONOMY.outcomes[self.outcome_row()].decision)]
    }

    /// Its bins as a reviewer reads them, axis by axis in YAML order:
    /// `price high · brand soft · low_stock · near_limit`.
    pub fn bins_text(&self) -> String {
        let bins: Vec<String> = self
            .axes()
            .into_iter()
            .map(|(axis, bin)| match lead_word(axis) {
                Some(word) => format!("{word} {bin}"),
                None => bin.to_owned(),
            })
            .collect();
        bins.join(" · ")
    }
}

/// The word that says which axis a bin is of, for the axes whose bin ids
/// do not (`high`, `soft`); other bins read alone.
fn lead_word(axis: &str) -> Option<&'static str> {
    const LEADS: [(&str, &str); 2] = [("price_sensitivity", "price"), ("brand_bias", "brand")];
    LEADS
        .iter()
        .find(|(id, _)| *id == axis)
        .map(|(_, word)| *word)
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}

impl std::str::FromStr for Scenario {
    type Err = String;

    /// Parses `domain.behavior.price.brand.availability.policy`.
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = id.split('.').collect();
        if parts.len() != Self::WIDTH {
            return Err(format!(
                "invalid scenario id '{id}': expected {} dot-separated parts (domain.behavior.{}), got {}",
                Self::WIDTH,
                TAXONOMY
                    .axes
                    .iter()
                    .map(|a| a.entry.id.as_ref())
                    .collect::<Vec<_>>()
                    .join("."),
                parts.len()
            ));
        }
        let mut coords = [0u8; Scenario::WIDTH];
        coords[0] = part_index(
            parts[0],
            "domain",
            TAXONOMY.domains.iter().map(|e| e.id.as_ref()),
        )?;
        coords[1] = part_index(
            parts[1],
            "behavior",
            TAXONOMY.behaviors.iter().map(|b| b.entry.id.as_ref()),
        )?;
        for (i, axis) in TAXONOMY.axes.iter().enumerate() {
            coords[2 + i] = part_index(
                parts[2 + i],
                &axis.entry.id,
                axis.bins.iter().map(|e| e.id.as_ref()),
            )?;
        }
        Ok(Self::from_coords(&coords))
    }
}

fn part_index<'a>(
    part: &str,
    kind: &str,
    ids: impl Iterator<Item = &'a str> + Clone,
) -> Result<u8, String> {
    ids.clone()
        .position(|id| id == part)
        .map(|i| i as u8)
        .ok_or_else(|| {
            format!(
                "unknown {kind} '{part}'; valid: {}",
                ids.collect::<Vec<_>>().join(", ")
            )
        })
}
