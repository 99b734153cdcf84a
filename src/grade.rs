//! The built-in checks of one graded turn (spec `evaluation.md` §3): a
//! reply's call against the golden's expected call, argument by argument as
//! `compare` says, and the reply's words against the typed facts through
//! [`crate::matcher`]. Deterministic and model-free; whatever produced the
//! reply, the same checks apply. Why each check exists is in
//! `docs/grading.md`.

use serde_json::{Map, Value};

use crate::contract::golden::{Compare, GradedTurn};
use crate::matcher::{Expected, find};

/// What a reply did: its words and the call it ended with, if any.
#[derive(Clone, Copy, Debug)]
pub struct Reply<'a> {
    pub text: &'a str,
    /// The last tool call of the reply: its name and arguments.
    pub call: Option<(&'a str, &'a Map<String, Value>)>,
}

/// One check's verdict and why, e.g. `unit_price 373.00, expected 373.72 ±
/// 0.005`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `call`, `name`, `argument:<name>`, `communicates:<about>` or
    /// `must_not:<about>`.
    pub check: String,
    pub pass: bool,
    pub reason: String,
}

/// Every check of `graded` on `reply`, in a fixed order; the reply passes
/// when all pass.
pub fn grade_turn(graded: &GradedTurn, reply: &Reply) -> Vec<Check> {
    let mut checks = Vec::new();
    let expected = &graded.expected_call;
    let verdict = |check: String, pass: bool, reason: String| Check {
        check,
        pass,
        reason,
    };
    match reply.call {
        None => checks.push(verdict(
            "call".into(),
            false,
            "the reply ends with no call".into(),
        )),
        Some((name, arguments)) => {
            checks.push(verdict("call".into(), true, format!("calls {name}")));
            let same = name == expected.name;
            checks.push(verdict(
                "name".into(),
                same,
                format!("{name}, expected {}", expected.name),
            ));
            for (argument, how) in &graded.compare {
                let want = expected.arguments.get(argument).unwrap_or(&Value::Null);
                let got = arguments.get(argument).unwrap_or(&Value::Null);
                let pass = same && agrees(*how, got, want);
                let reason = match how {
                    Compare::Money => format!("{argument} {got}, expected {want} ± 0.005"),
                    Compare::Ignore => format!("{argument} present: {}", !got.is_null()),
                    _ => format!("{argument} {got}, expected {want}"),
                };
                checks.push(verdict(format!("argument:{argument}"), pass, reason));
            }
        }
    }
    for fact in &graded.must_communicate {
        let check = format!("communicates:{}", fact.about);
        let (pass, reason) = match Expected::try_from(fact) {
            Err(error) => (false, error.to_string()),
            Ok(expected) => match find(&expected, reply.text) {
                Ok(found) => (true, format!("says {}", found.text)),
                Err(missing) => (false, missing.to_string()),
            },
        };
        checks.push(verdict(check, pass, reason));
    }
    for fact in &graded.must_not {
        let check = format!("must_not:{}", fact.about);
        let (pass, reason) = match Expected::try_from(fact) {
            Err(error) => (false, error.to_string()),
            Ok(expected) => match find(&expected, reply.text) {
                Ok(found) => (false, format!("says {}", found.text)),
                Err(_) => (true, format!("does not say {expected}")),
            },
        };
        checks.push(verdict(check, pass, reason));
    }
    checks
}

/// Whether `got` passes for `want` under `how`: the same JSON value, the
/// same amount within half a cent, the same strings in any order, or (for
/// free text) any value at all.
pub fn agrees(how: Compare, got: &Value, want: &Value) -> bool {
    match how {
        Compare::Exact => got == want,
        Compare::Money => match (got.as_f64(), want.as_f64()) {
            (Some(got), Some(want)) => (got - want).abs() <= 0.005 + 1e-9,
            _ => false,
        },
        Compare::Set => {
            let sorted = |v: &Value| {
                let mut items: Vec<String> = v
                    .as_array()
                    .map(|a| a.iter().map(Value::to_string).collect())
                    .unwrap_or_default();
                items.sort();
                items
            };
            got.is_array() && sorted(got) == sorted(want)
        }
        Compare::Ignore => !got.is_null(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::{Reply, grade_turn};
    use crate::contract::golden::{Compare, ExpectedCall, Fact, FactKind, GradedTurn};

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn turn() -> GradedTurn {
        GradedTurn {
            turn: 1,
            expected_call: ExpectedCall {
                name: "fulfill".into(),
                arguments: object(json!({"item_id": "a-1", "unit_price": 373.72})),
            },
            compare: [
                ("item_id".to_owned(), Compare::Exact),
                ("unit_price".to_owned(), Compare::Money),
            ]
            .into(),
            must_communicate: vec![Fact {
                kind: FactKind::Duration,
                value: 3.0,
                unit: "weeks".into(),
                about: "restock_time".into(),
            }],
            must_not: Vec::new(),
            rubric: Vec::new(),
        }
    }

    #[test]
    fn each_check_says_why_it_failed() {
        let arguments = object(json!({"item_id": "a-1", "unit_price": 373.0}));
        let reply = Reply {
            text: "Back in 13 weeks.",
            call: Some(("fulfill", &arguments)),
        };
        let failed: Vec<(String, String)> = grade_turn(&turn(), &reply)
            .into_iter()
            .filter(|c| !c.pass)
            .map(|c| (c.check, c.reason))
            .collect();
        assert_eq!(
            failed,
            vec![
                (
                    "argument:unit_price".to_owned(),
                    "unit_price 373.0, expected 373.72 ± 0.005".to_owned()
                ),
                (
                    "communicates:restock_time".to_owned(),
                    "no duration of 3 weeks in the reply; durations found: 13 weeks".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_reply_without_a_call_or_with_another_one_fails_every_argument() {
        let none = Reply {
            text: "three weeks",
            call: None,
        };
        assert!(!grade_turn(&turn(), &none)[0].pass);
        let arguments = object(json!({"item_id": "a-1", "unit_price": 373.72}));
        let other = Reply {
            text: "three weeks",
            call: Some(("decline", &arguments)),
        };
        let failed = grade_turn(&turn(), &other)
            .into_iter()
            .filter(|c| !c.pass)
            .count();
        assert_eq!(failed, 3, "name and both arguments");
    }
}
