//! The action functions an assistant ends its reply with (one per decision
//! plus `ask_clarifying_question`, OpenAI function-calling format) and the
//! system prompt that renders a conversation's environment.

use serde_json::{Value, json};

use crate::contract::dataset::{Environment, Function, Tool};
use crate::figures::money;
use crate::taxonomy::Decision;

/// The name of the tool that asks instead of acting.
pub const ASK_CLARIFYING_QUESTION: &str = "ask_clarifying_question";

/// Every action function, in a fixed order: the decisions of the taxonomy,
/// then `ask_clarifying_question`. A golden's `expected_action` names one
/// of them (`decision`) and gives its arguments.
pub fn tools() -> Vec<Tool> {
    let mut tools: Vec<Tool> = Decision::ALL
        .iter()
        .map(|decision| {
            let (description, parameters) = decision_function(*decision);
            tool(
                coverage_core::TaxonomyEnum::id(*decision),
                description,
                parameters,
            )
        })
        .collect();
    tools.push(tool(
        ASK_CLARIFYING_QUESTION,
        "Ask the customer for what is missing before acting.",
        object(
            json!({
                "question": {"type": "string", "description": "The question asked."},
                "missing": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["item", "budget", "brand", "quantity", "policy_value"]},
                    "description": "The facts still missing."
                }
            }),
            &["question", "missing"],
        ),
    ));
    tools
}

fn decision_function(decision: Decision) -> (&'static str, Value) {
    let sale = json!({
        "item_id": {"type": "string", "description": "Catalogue id of the item sold."},
        "quantity": {"type": "integer", "minimum": 1},
        "unit_price": {"type": "number", "description": "Price per unit after the offer applied."},
        "offer_id": {"type": ["string", "null"], "description": "The offer applied, if any."}
    });
    match decision {
        Decision::Fulfill => (
            "Complete the request as asked.",
            object(sale, &["item_id", "quantity", "unit_price", "offer_id"]),
        ),
        Decision::FulfillWithDisclosure => {
            let mut properties = sale;
            properties["disclosure"] = json!({
                "type": "string",
                "description": "What the customer was told first (a delay, a limit)."
            });
            (
                "Complete the request after disclosing a delay or a limit and getting consent.",
                object(
                    properties,
                    &[
                        "item_id",
                        "quantity",
                        "unit_price",
                        "offer_id",
                        "disclosure",
                    ],
                ),
            )
        }
        Decision::OfferAlternative => (
            "Offer items that can ship now instead, or a restock notice when none exists.",
            object(
                json!({
                    "item_ids": {"type": "array", "items": {"type": "string"}},
                    "restock_notice": {"type": "boolean"}
                }),
                &["item_ids", "restock_notice"],
            ),
        ),
        Decision::Decline => (
            "Decline: the request is beyond the policy limit; state the limit and the compliant path.",
            object(json!({"reason": {"type": "string"}}), &["reason"]),
        ),
        Decision::Escalate => (
            "Hand the case over to a human specialist without granting it.",
            object(json!({"reason": {"type": "string"}}), &["reason"]),
        ),
    }
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    })
}

fn tool(name: &str, description: &str, parameters: Value) -> Tool {
    Tool {
        kind: "function".into(),
        function: Function {
            name: name.into(),
            description: description.into(),
            parameters,
        },
    }
}

/// The environment as the assistant's instructions.
pub fn system_prompt(environment: &Environment) -> String {
    let currency = environment.currency.as_str();
    let price = |amount: f64| money((amount * 100.0).round() as u64, currency);
    let policy = &environment.policy;
    let mut out = String::from(
        "You are the customer assistant of an online store. The facts below are the store's; the customer does not see them. Rely on them, not on what the customer assumes.\n\n",
    );
    out.push_str(&format!("Policy — {}: {}\n", policy.name, policy.text));
    out.push_str("\nCatalogue:\n");
    for item in &environment.catalog {
        let stock = match (item.stock, item.restock_weeks) {
            (0, Some(weeks)) => format!(
                "out of stock, back in {weeks} week{}",
                if weeks == 1 { "" } else { "s" }
            ),
            (0, None) => "out of stock, no restock planned".to_owned(),
            (units, _) => format!("{units} in stock"),
        };
        out.push_str(&format!(
            "- {} · {} ({}) · {} · {stock}\n",
            item.id,
            item.name,
            item.brand,
            price(item.list_price)
        ));
    }
    out.push_str("\nOffers:\n");
    for offer in &environment.offers {
        out.push_str(&format!(
            "- {} · {} · {}% off · items {} · {}\n",
            offer.id,
            offer.label,
            offer.percent,
            offer.item_ids.join(", "),
            if offer.applies {
                "applies"
            } else {
                "does not apply"
            }
        ));
    }
    if let Some(customer) = &environment.customer {
        out.push_str(&format!("\nCustomer {}:\n", customer.id));
        for (field, line) in &customer.record {
            out.push_str(&format!("- {field}: {line}\n"));
        }
    }
    out.push_str(&format!(
        "\nEnd every reply with exactly one call to one of the functions fulfill, fulfill_with_disclosure, offer_alternative, decline, escalate or {ASK_CLARIFYING_QUESTION}, with its arguments; use catalogue and offer ids exactly as listed."
    ));
    out
}
