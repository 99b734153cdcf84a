//! Rust source for a validated taxonomy: the enums, the `Scenario` struct and
//! the `const` rule table that `taxonomy!` expands to. Plain strings, no
//! `syn`: the proc-macro only parses the result into tokens.

use std::fmt::Write;

use crate::check::Report;
use crate::diagnostic::Diagnostic;
use crate::fixtures::Fixtures;
use crate::model::{Condition, Entry, GroupKey, Rule, RuleKind, Taxonomy};

/// The generated module body for a checked taxonomy (`None` when it did not
/// resolve). `file` is the path as written; every source file read gets an
/// `include_bytes!`, so rustc rebuilds the crate whenever one changes.
pub fn emit_rust(report: &Report, file: &str) -> Option<String> {
    let taxonomy = report.taxonomy.as_ref()?;
    let hash = &report.hash;
    let mut out = String::new();
    for source in &report.sources {
        let _ = writeln!(
            out,
            "const _: &[u8] = include_bytes!({:?});",
            source.to_string_lossy()
        );
    }
    let _ = writeln!(
        out,
        "/// The vertical this taxonomy covers.\npub const VERTICAL: &str = {:?};",
        taxonomy.vertical
    );
    let _ = writeln!(
        out,
        "/// The taxonomy's semantic version.\npub const VERSION: &str = {:?};",
        taxonomy.version
    );
    let _ = writeln!(
        out,
        "/// SHA-256 of the taxonomy file's bytes.\npub const HASH: &str = {hash:?};"
    );
    let _ = writeln!(
        out,
        "/// The taxonomy file, as named in `taxonomy!`.\npub const SOURCE: &str = {file:?};"
    );

    emit_enum(
        &mut out,
        "Difficulty",
        "difficulty",
        "How hard a conversation is to handle well.",
        &taxonomy.difficulties,
    );
    emit_enum(
        &mut out,
        "Domain",
        "domain",
        "A business area the assistant must handle.",
        &taxonomy.domains,
    );
    let behaviors: Vec<Entry> = taxonomy.behaviors.iter().map(|b| b.entry.clone()).collect();
    emit_enum(
        &mut out,
        "Behavior",
        "behavior",
        "A way a user can behave in a conversation.",
        &behaviors,
    );
    for axis in taxonomy.axes.iter() {
        let doc = format!("{}: {}", axis.entry.label, axis.entry.description);
        emit_enum(
            &mut out,
            &type_name(&axis.entry.id),
            &axis.entry.id,
            &doc,
            &axis.bins,
        );
    }
    if !taxonomy.decisions.is_empty() {
        emit_enum(
            &mut out,
            "Decision",
            "decision",
            "The final outcome a correct assistant reaches.",
            &taxonomy.decisions,
        );
    }
    emit_behavior_difficulty(&mut out, taxonomy);
    emit_scenario(&mut out, taxonomy);
    emit_tables(&mut out, taxonomy);
    if let (Some(fixtures), Some(fixtures_hash)) = (&report.fixtures, &report.fixtures_hash) {
        let _ = writeln!(
            out,
            "/// SHA-256 of the fixtures file's bytes.\npub const FIXTURES_HASH: &str = {fixtures_hash:?};"
        );
        emit_fixtures(&mut out, fixtures);
    }
    Some(out)
}

/// One `compile_error!` per problem, each naming `file:line:column`.
pub fn emit_errors(errors: &[Diagnostic]) -> String {
    errors
        .iter()
        .map(|error| format!("::core::compile_error!({:?});\n", error.to_string()))
        .collect()
}

/// `out_of_stock` → `OutOfStock`.
fn type_name(id: &str) -> String {
    id.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn emit_enum(out: &mut String, name: &str, kind: &str, doc: &str, entries: &[Entry]) {
    let _ = writeln!(
        out,
        "::coverage_core::taxonomy_enum! {{\n    #[doc = {doc:?}]\n    {name}, {kind:?}, ["
    );
    for entry in entries {
        let _ = writeln!(
            out,
            "        ({}, {:?}, {:?}, {:?}),",
            type_name(&entry.id),
            entry.id,
            entry.label,
            entry.description
        );
    }
    out.push_str("    ]\n}\n");
}

fn emit_behavior_difficulty(out: &mut String, taxonomy: &Taxonomy) {
    out.push_str(
        "impl Behavior {\n    /// The difficulty of every conversation of this behavior.\n",
    );
    out.push_str("    pub const fn difficulty(self) -> Difficulty {\n        match self {\n");
    for behavior in taxonomy.behaviors.iter() {
        let difficulty = &taxonomy.difficulties[usize::from(behavior.difficulty)];
        let _ = writeln!(
            out,
            "            Self::{} => Difficulty::{},",
            type_name(&behavior.entry.id),
            type_name(&difficulty.id)
        );
    }
    out.push_str("        }\n    }\n}\n");
}

fn emit_scenario(out: &mut String, taxonomy: &Taxonomy) {
    let width = 2 + taxonomy.axes.len();
    let axes: Vec<(String, String)> = taxonomy
        .axes
        .iter()
        .map(|a| (a.entry.id.to_string(), type_name(&a.entry.id)))
        .collect();
    out.push_str(
        "/// One cell of the scenario grid: a domain, a behavior and one bin of every axis.\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, \
         ::coverage_core::__private::serde::Serialize, ::coverage_core::__private::serde::Deserialize)]\n\
         #[serde(crate = \"::coverage_core::__private::serde\")]\n\
         pub struct Scenario {\n    pub domain: Domain,\n    pub behavior: Behavior,\n",
    );
    for (field, ty) in &axes {
        let _ = writeln!(out, "    pub {field}: {ty},");
    }
    out.push_str("}\n\nimpl Scenario {\n");
    let _ = writeln!(
        out,
        "    /// Coordinates per scenario: domain, behavior, then one per axis.\n    pub const WIDTH: usize = {width};"
    );
    out.push_str("    /// The scenario at these grid coordinates (see `coverage_core::Grid`).\n");
    out.push_str("    pub fn from_coords(coords: &[u8]) -> Self {\n        Self {\n");
    out.push_str("            domain: Domain::ALL[usize::from(coords[0])],\n            behavior: Behavior::ALL[usize::from(coords[1])],\n");
    for (i, (field, ty)) in axes.iter().enumerate() {
        let _ = writeln!(
            out,
            "            {field}: {ty}::ALL[usize::from(coords[{}])],",
            i + 2
        );
    }
    out.push_str(
        "        }\n    }\n\n    /// Grid coordinates: the position of each part in YAML order.\n",
    );
    let _ = writeln!(out, "    pub fn coords(&self) -> [u8; {width}] {{");
    out.push_str("        [self.domain as u8, self.behavior as u8");
    for (field, _) in &axes {
        let _ = write!(out, ", self.{field} as u8");
    }
    out.push_str("]\n    }\n\n");
    out.push_str(
        "    /// The variation axes in YAML order, each with the ids of its bins.\n    pub const AXES: &'static [::coverage_core::ScenarioAxis] = &[\n",
    );
    for (field, ty) in &axes {
        let _ = writeln!(
            out,
            "        ::coverage_core::ScenarioAxis {{ id: {field:?}, bins: <{ty} as ::coverage_core::TaxonomyEnum>::IDS }},"
        );
    }
    out.push_str("    ];\n\n");
    out.push_str("    /// This scenario's bin of every axis, in YAML order: (axis id, bin id).\n");
    let _ = writeln!(
        out,
        "    pub fn axes(&self) -> [(&'static str, &'static str); {}] {{",
        axes.len()
    );
    out.push_str("        [");
    for (i, (field, _)) in axes.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        let _ = write!(out, "{separator}({field:?}, self.{field}.id())");
    }
    out.push_str("]\n    }\n}\n");
}

fn emit_tables(out: &mut String, taxonomy: &Taxonomy) {
    out.push_str(
        "/// The rules, in the order they run.\npub const RULES: &[::coverage_core::Rule] = &[\n",
    );
    for rule in taxonomy.rules.iter() {
        emit_rule(out, rule);
    }
    out.push_str("];\n\n/// The whole taxonomy as data, for the rule engine.\n");
    out.push_str("pub static TAXONOMY: ::coverage_core::Taxonomy = ::coverage_core::Taxonomy {\n");
    let _ = writeln!(
        out,
        "    vertical: {},\n    version: {},",
        cow_str(&taxonomy.vertical),
        cow_str(&taxonomy.version)
    );
    let _ = writeln!(
        out,
        "    difficulties: {},",
        entries(&taxonomy.difficulties)
    );
    let _ = writeln!(out, "    domains: {},", entries(&taxonomy.domains));
    out.push_str("    behaviors: ::std::borrow::Cow::Borrowed(&[\n");
    for behavior in taxonomy.behaviors.iter() {
        let _ = writeln!(
            out,
            "        ::coverage_core::BehaviorDef {{ entry: {}, difficulty: {} }},",
            entry(&behavior.entry),
            behavior.difficulty
        );
    }
    out.push_str("    ]),\n    axes: ::std::borrow::Cow::Borrowed(&[\n");
    for axis in taxonomy.axes.iter() {
        let _ = writeln!(
            out,
            "        ::coverage_core::Axis {{ entry: {}, bins: {} }},",
            entry(&axis.entry),
            entries(&axis.bins)
        );
    }
    out.push_str("    ]),\n    rules: ::std::borrow::Cow::Borrowed(RULES),\n");
    let _ = writeln!(out, "    decisions: {},", entries(&taxonomy.decisions));
    out.push_str("    outcomes: ::std::borrow::Cow::Borrowed(&[\n");
    for row in taxonomy.outcomes.iter() {
        let _ = writeln!(
            out,
            "        ::coverage_core::OutcomeRow {{ id: {}, decision: {}, rationale: {}, when: {} }},",
            cow_str(&row.id),
            row.decision,
            cow_str(&row.rationale),
            condition(&row.when)
        );
    }
    out.push_str("    ]),\n};\n");
}

fn emit_rule(out: &mut String, rule: &Rule) {
    let kind = match &rule.kind {
        RuleKind::Exclude => "::coverage_core::RuleKind::Exclude".to_owned(),
        RuleKind::Cap(cap) => {
            let per: Vec<String> = cap
                .per
                .iter()
                .map(|key| match key {
                    GroupKey::Domain => "::coverage_core::GroupKey::Domain".to_owned(),
                    GroupKey::Behavior => "::coverage_core::GroupKey::Behavior".to_owned(),
                    GroupKey::Axis(axis) => format!("::coverage_core::GroupKey::Axis({axis})"),
                })
                .collect();
            format!(
                "::coverage_core::RuleKind::Cap(::coverage_core::Cap {{ per: ::std::borrow::Cow::Borrowed(&[{}]), max: {}, balance: {:?} }})",
                per.join(", "),
                cap.max,
                cap.balance
            )
        }
    };
    let _ = writeln!(
        out,
        "    ::coverage_core::Rule {{\n        id: {},\n        kind: {kind},\n        rationale: {},\n        when: {},\n    }},",
        cow_str(&rule.id),
        cow_str(&rule.rationale),
        condition(&rule.when)
    );
}

fn condition(when: &Condition) -> String {
    let matches: Vec<String> = when
        .matches
        .iter()
        .map(|m| {
            format!(
                "::coverage_core::AxisMatch {{ axis: {}, bins: {} }}",
                m.axis,
                bytes(&m.bins)
            )
        })
        .collect();
    format!(
        "::coverage_core::Condition {{ domains: {}, behaviors: {}, matches: ::std::borrow::Cow::Borrowed(&[{}]) }}",
        bytes(&when.domains),
        bytes(&when.behaviors),
        matches.join(", ")
    )
}

fn emit_fixtures(out: &mut String, f: &Fixtures) {
    const C: &str = "::coverage_core::";
    out.push_str("/// Catalogue, policies and phrasings for the conversation generator.\n");
    let _ = writeln!(out, "pub static FIXTURES: {C}Fixtures = {C}Fixtures {{");
    let _ = writeln!(out, "    currency: {},", cow_str(&f.currency));
    let _ = writeln!(
        out,
        "    savings: ::std::borrow::Cow::Borrowed(&{:?}),",
        f.savings
    );
    let u = &f.user;
    let _ = writeln!(
        out,
        "    user: {C}UserPhrasings {{ price: {}, brand: {}, single: {}, several: {}, closing: {}, requirements: {}, policy_requirements: {} }},",
        lists(&u.price),
        lists(&u.brand),
        strs(&u.single),
        strs(&u.several),
        strs(&u.closing),
        strs(&u.requirements),
        strs(&u.policy_requirements)
    );
    let a = &f.assistant;
    let _ = writeln!(
        out,
        "    assistant: {C}AssistantPhrasings {{ clarify: {}, acknowledge: {}, acknowledge_details: {}, acknowledge_correction: {}, hold: {} }},",
        strs(&a.clarify),
        strs(&a.acknowledge),
        strs(&a.acknowledge_details),
        strs(&a.acknowledge_correction),
        strs(&a.hold)
    );
    let c = &f.corrections;
    let _ = writeln!(
        out,
        "    corrections: {C}Corrections {{ budget: {}, brand: {}, policy_value: {}, item: {} }},",
        strs(&c.budget),
        strs(&c.brand),
        strs(&c.policy_value),
        strs(&c.item)
    );
    let traps: Vec<String> = f
        .traps
        .iter()
        .map(|t| {
            format!(
                "{C}Trap {{ id: {}, price: {}, limit: {}, offer: {} }}",
                cow_str(&t.id),
                strs(&t.price),
                strs(&t.limit),
                strs(&t.offer)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "    traps: ::std::borrow::Cow::Borrowed(&[{}]),",
        traps.join(", ")
    );
    let o = &f.offers;
    let _ = writeln!(
        out,
        "    offers: {C}OfferLabels {{ applying: {}, expired: {}, other_item: {}, condition: {} }},",
        strs(&o.applying),
        strs(&o.expired),
        strs(&o.other_item),
        strs(&o.condition)
    );
    let _ = writeln!(out, "    rationales: {},", strs(&f.rationales));
    out.push_str("    domains: ::std::borrow::Cow::Borrowed(&[\n");
    for d in f.domains.iter() {
        let p = &d.policy;
        let items: Vec<String> = d
            .items
            .iter()
            .map(|i| {
                format!(
                    "{C}Item {{ id: {}, name: {}, kind: {}, brand: {}, list_price_cents: {}, stock: {}, restock_weeks: {:?} }}",
                    cow_str(&i.id),
                    cow_str(&i.name),
                    cow_str(&i.kind),
                    cow_str(&i.brand),
                    i.list_price_cents,
                    i.stock,
                    i.restock_weeks
                )
            })
            .collect();
        let values: Vec<String> = p
            .values
            .iter()
            .map(|[a, b]| format!("[{a:?}, {b:?}]"))
            .collect();
        let record: Vec<String> = d
            .record
            .iter()
            .map(|(k, v)| format!("({}, {})", cow_str(k), cow_str(v)))
            .collect();
        let _ = writeln!(
            out,
            "        {C}DomainFixtures {{\n            policy: {C}Policy {{ id: {}, name: {}, limits: ::std::borrow::Cow::Borrowed(&{:?}), unit: {}, text: {}, value_is: {C}ValueIs::{:?}, values: ::std::borrow::Cow::Borrowed(&[{}]), phrasings: {} }},\n            ask: {},\n            record: ::std::borrow::Cow::Borrowed(&[{}]),\n            items: ::std::borrow::Cow::Borrowed(&[{}]),\n            requests: {},\n            openings: {},\n        }},",
            cow_str(&p.id),
            cow_str(&p.name),
            p.limits,
            cow_str(&p.unit),
            cow_str(&p.text),
            p.value_is,
            values.join(", "),
            strs(&p.phrasings),
            strs(&d.ask),
            record.join(", "),
            items.join(", "),
            strs(&d.requests),
            strs(&d.openings)
        );
    }
    out.push_str("    ]),\n};\n");
}

fn lists(lists: &[std::borrow::Cow<'static, [std::borrow::Cow<'static, str>]>]) -> String {
    let items: Vec<String> = lists.iter().map(|texts| strs(texts)).collect();
    format!("::std::borrow::Cow::Borrowed(&[{}])", items.join(", "))
}

fn strs(texts: &[std::borrow::Cow<'static, str>]) -> String {
    let items: Vec<String> = texts.iter().map(|t| cow_str(t)).collect();
    format!("::std::borrow::Cow::Borrowed(&[{}])", items.join(", "))
}

fn cow_str(s: &str) -> String {
    format!("::std::borrow::Cow::Borrowed({s:?})")
}

fn bytes(values: &[u8]) -> String {
    format!("::std::borrow::Cow::Borrowed(&{values:?})")
}

fn entry(e: &Entry) -> String {
    format!(
        "::coverage_core::Entry {{ id: {}, label: {}, description: {} }}",
        cow_str(&e.id),
        cow_str(&e.label),
        cow_str(&e.description)
    )
}

fn entries(list: &[Entry]) -> String {
    let items: Vec<String> = list.iter().map(entry).collect();
    format!("::std::borrow::Cow::Borrowed(&[{}])", items.join(", "))
}
