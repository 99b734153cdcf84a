//! The Coverage Generator page: each component rendered with fixture data
//! and snapshotted; the page's routes through the router; and the page
//! itself in headless Chromium against `coverage serve` on 127.0.0.1.

use std::path::Path;

use askama::Template;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

use coverage::contract::files::{Format, Layout};
use coverage::contract::manifest::Manifest;
use coverage::cost::{self, CostSpec, Rates};
use coverage::server::{self, ServerConfig};
use coverage::taxonomy::{Behavior, Domain, Scenario};
use coverage::ui::{
    self, CellList, CostPanel, GeneratePanel, Grid, Rules, ScenarioView, Selectors, Summary,
};
use coverage::{Coverage, Selection};

mod browser;

/// The acceptance selection: two domains, one behavior.
fn two_by_one() -> Selection {
    Selection::new(
        vec![Domain::CheckoutPayments, Domain::CartManagement],
        vec![Behavior::MultiTurn],
    )
}

// ---- components, rendered with fixture data ---------------------------------

#[test]
fn selectors_render_every_id_with_its_state() {
    let html = Selectors::new(&two_by_one(), 7, &[Layout::Split], Format::Jsonl)
        .render()
        .unwrap();
    insta::assert_snapshot!("ui_selectors", html);
}

#[test]
fn summary_grid_and_rules_render_the_manifest_of_the_selection() {
    let coverage = Coverage::evaluate(42);
    let manifest = Manifest::build(&coverage, &two_by_one());
    let summary = Summary::new(&manifest, 144 * 3, 5, 3 * 144 * 3)
        .render()
        .unwrap();
    let grid = Grid::new(&manifest).render().unwrap();
    let rules = Rules {
        rules: manifest.rules.clone(),
    }
    .render()
    .unwrap();
    // The figures are the manifest's, wherever they appear.
    assert!(summary.contains(&format!(
        "data-testid=\"kept-count\">{}<",
        manifest.totals.kept
    )));
    for pair in &manifest.pairs {
        let cell = format!(
            "data-testid=\"grid-{}-{}\"",
            pair.domain.id(),
            pair.behavior.id()
        );
        let at = grid.find(&cell).expect("a cell per pair");
        let text = &grid[at..];
        let shown = &text[text.find('>').unwrap() + 1..text.find("</button>").unwrap()];
        assert_eq!(shown, pair.kept.to_string(), "{cell}");
    }
    assert_eq!(grid.matches("data-testid=\"grid-").count(), 14 * 6);
    assert_eq!(
        grid.matches("class=\"cell heat-0 off\"").count(),
        14 * 6 - 2
    );
    insta::assert_snapshot!("ui_summary", summary);
    insta::assert_snapshot!("ui_grid", grid);
    insta::assert_snapshot!("ui_rules", rules);
}

#[test]
fn cost_panel_renders_the_estimate_or_dashes() {
    let coverage = Coverage::evaluate(42);
    let rates = Rates::shipped();
    let spec = CostSpec {
        models: vec!["gpt-4o-mini".into()],
        trials: 1,
        output_tokens: None,
        layouts: Layout::ALL.to_vec(),
        variants: 1,
    };
    let estimate = cost::estimate(&coverage, &two_by_one(), &rates, &spec).unwrap();
    let filled = CostPanel::new(&rates, "gpt-4o-mini", Some(&estimate.models[0]))
        .render()
        .unwrap();
    let empty = CostPanel::new(&rates, "gpt-4o", None).render().unwrap();
    assert!(filled.contains(&format!(
        "data-testid=\"cost-total\">{}<",
        ui::usd(&estimate.models[0].total.cost)
    )));
    assert_eq!(empty.matches(">—<").count(), 5 * 5);
    assert!(empty.contains("<option value=\"gpt-4o\" selected>"));
    insta::assert_snapshot!("ui_cost_filled", filled);
    insta::assert_snapshot!("ui_cost_empty", empty);
}

#[test]
fn generate_panel_has_its_controls() {
    let html = GeneratePanel {
        out: "runs/a".into(),
    }
    .render()
    .unwrap();
    for id in [
        "generate",
        "cancel",
        "progress",
        "overwrite",
        "refusal",
        "out",
    ] {
        assert!(html.contains(&format!("data-testid=\"{id}\"")), "{id}");
    }
    insta::assert_snapshot!("ui_generate", html);
}

#[test]
fn cell_list_opens_kept_scenarios_and_names_the_rule_of_the_rest() {
    let coverage = Coverage::evaluate(42);
    let html = CellList::new(&coverage, Domain::TrustSafetyFraud, Behavior::HappyPath)
        .render()
        .unwrap();
    let selection = Selection::new(vec![Domain::TrustSafetyFraud], vec![Behavior::HappyPath]);
    for scenario in coverage.kept(&selection) {
        assert!(html.contains(&format!("data-testid=\"scenario-{}\"", scenario.id())));
    }
    for excluded in coverage.excluded(&selection) {
        assert!(!html.contains(&format!(
            "data-testid=\"scenario-{}\"",
            excluded.scenario.id()
        )));
    }
    insta::assert_snapshot!("ui_cell_trust_safety_fraud_happy_path", html);
}

/// Each kept scenario of a cell lists the decision its golden expects
/// (`final_outcome.decision`, as the scenario view and `coverage show` give
/// it), and carries its id, bins and decision for the list's filter.
#[test]
fn cell_list_shows_each_scenarios_expected_decision_and_filter_words() {
    let coverage = Coverage::evaluate(42);
    let cell = CellList::new(
        &coverage,
        Domain::CheckoutPayments,
        Behavior::AdversarialTrap,
    );
    assert!(cell.kept.len() > 60, "{}", cell.kept.len());
    let mut decisions = std::collections::BTreeSet::new();
    for entry in &cell.kept {
        let scenario: Scenario = entry.id.parse().unwrap();
        let golden = ScenarioView::new(&coverage, &scenario).decision;
        assert_eq!(entry.decision, golden, "{}", entry.id);
        decisions.insert(entry.decision);
    }
    assert!(
        decisions.len() > 1,
        "one decision for every scenario: {decisions:?}"
    );
    let html = cell.render().unwrap();
    assert!(html.contains("data-testid=\"cell-filter\""));
    for entry in &cell.kept {
        let row = format!(
            "data-filter=\"{} {} {}\"",
            entry.id, entry.bins, entry.decision
        );
        assert!(html.contains(&row), "{row}");
        let decision = format!("data-testid=\"decision-{}\">{}<", entry.id, entry.decision);
        assert!(html.contains(&decision), "{decision}");
    }
}

#[test]
fn scenario_view_shows_conversation_prompt_and_expected_action() {
    let id = "checkout_payments.multi_turn.high.soft.low_stock.near_limit";
    let scenario: Scenario = id.parse().unwrap();
    let html = ScenarioView::new(&Coverage::evaluate(42), &scenario)
        .render()
        .unwrap();
    for hook in ["conversation", "system-prompt", "expected-action"] {
        assert!(html.contains(&format!("data-testid=\"{hook}\"")), "{hook}");
    }
    // Text is escaped: the catalogue's ampersands and quotes stay text.
    assert!(!html.contains("<script"));
    insta::assert_snapshot!("ui_scenario", html);
}

#[test]
fn page_has_every_test_hook() {
    let page = ui::Page::new(&Coverage::evaluate(42), &Rates::shipped())
        .render()
        .unwrap();
    let mut hooks: Vec<String> = [
        "kept-count",
        "excluded-count",
        "generate",
        "progress",
        "cancel",
    ]
    .map(str::to_owned)
    .to_vec();
    hooks.extend(Domain::ALL.iter().map(|d| format!("domain-{}", d.id())));
    hooks.extend(Behavior::ALL.iter().map(|b| format!("behavior-{}", b.id())));
    for rule in &Manifest::build(&Coverage::evaluate(42), &Selection::all()).rules {
        hooks.push(format!("rule-{}", rule.id));
    }
    for hook in hooks {
        assert!(page.contains(&format!("data-testid=\"{hook}\"")), "{hook}");
    }
    // Nothing is loaded from anywhere else.
    for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!page.contains(attribute), "{attribute}");
    }
}

#[test]
fn heat_shades_are_five_steps_of_the_largest_cell() {
    assert_eq!(ui::heat(0, 75), 0);
    assert_eq!(ui::heat(1, 75), 1);
    assert_eq!(ui::heat(15, 75), 1);
    assert_eq!(ui::heat(16, 75), 2);
    assert_eq!(ui::heat(75, 75), 5);
    assert_eq!(ui::heat(3, 0), 0);
    assert_eq!(ui::thousands(5376), "5,376");
    assert_eq!(ui::thousands(999), "999");
    assert_eq!(ui::thousands(1_075_200), "1,075,200");
}

// ---- the page's routes -------------------------------------------------------

fn config(root: &Path, token: Option<&str>) -> ServerConfig {
    ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        root: root.to_owned(),
        token: token.map(str::to_owned),
        allowed_hosts: Vec::new(),
        concurrency: 1,
        max_conversations: server::DEFAULT_MAX_CONVERSATIONS,
        rates: Rates::shipped(),
        header_timeout: server::DEFAULT_HEADER_TIMEOUT,
        idle_timeout: server::DEFAULT_IDLE_TIMEOUT,
    }
}

async fn get(
    root: &Path,
    token: Option<&str>,
    uri: &str,
    auth: bool,
) -> (StatusCode, String, String) {
    let app = server::router(server::state(&config(root, token)).unwrap());
    let mut request = Request::get(uri);
    if let (true, Some(token)) = (auth, token) {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, kind, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn page_and_assets_are_served_with_a_strict_policy() {
    let root = tempfile::tempdir().unwrap();
    let app = server::router(server::state(&config(root.path(), None)).unwrap());
    let response = app
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"));
    let (status, kind, script) = get(root.path(), None, "/ui/page.js", false).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/javascript; charset=utf-8")
    );
    assert_eq!(script, ui::SCRIPT);
    let (status, kind, _) = get(root.path(), None, "/ui/page.css", false).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
}

#[tokio::test]
async fn with_a_token_only_the_page_shell_is_public() {
    let root = tempfile::tempdir().unwrap();
    let token = Some("s3cret");
    for public in ["/", "/ui/page.js", "/ui/page.css", "/ui/favicon.svg"] {
        assert_eq!(
            get(root.path(), token, public, false).await.0,
            StatusCode::OK,
            "{public}"
        );
    }
    for private in [
        "/ui/cells/cart_management/happy_path",
        "/ui/scenarios/checkout_payments.multi_turn.high.soft.low_stock.near_limit",
        "/coverage/cost",
    ] {
        assert_eq!(
            get(root.path(), token, private, false).await.0,
            StatusCode::UNAUTHORIZED,
            "{private}"
        );
        assert_eq!(
            get(root.path(), token, private, true).await.0,
            StatusCode::OK,
            "{private}"
        );
    }
}

#[tokio::test]
async fn fragments_refuse_bad_ids_with_a_problem() {
    let root = tempfile::tempdir().unwrap();
    let (status, kind, body) = get(root.path(), None, "/ui/cells/carts/happy_path", false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(kind, "application/problem+json");
    assert!(
        body.contains("carts") && body.contains("cart_management"),
        "{body}"
    );
    // Excluded by a rule: named with the rule.
    let coverage = Coverage::evaluate(42);
    let excluded = coverage.excluded(&Selection::all()).next().unwrap();
    let uri = format!("/ui/scenarios/{}", excluded.scenario.id());
    let (status, _, body) = get(root.path(), None, &uri, false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(&*excluded.rule.id), "{body}");
    let (status, _, body) = get(root.path(), None, "/ui/scenarios/nope?seed=x", false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn cost_answers_the_report_estimate_and_refuses_bad_input() {
    let root = tempfile::tempdir().unwrap();
    let uri = "/coverage/cost?domains=checkout_payments,cart_management&behaviors=multi_turn&model=gpt-4o-mini";
    let (status, _, body) = get(root.path(), None, uri, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answered: Value = serde_json::from_str(&body).unwrap();
    let spec = CostSpec {
        models: vec!["gpt-4o-mini".into()],
        trials: 1,
        output_tokens: None,
        layouts: Layout::ALL.to_vec(),
        variants: 1,
    };
    let expected = cost::estimate(
        &Coverage::evaluate(42),
        &two_by_one(),
        &Rates::shipped(),
        &spec,
    )
    .unwrap();
    assert_eq!(answered, serde_json::to_value(&expected).unwrap());

    for (query, field, needle) in [
        ("model=gpt-5-ultra", "model", "gpt-4o-mini"),
        ("trials=0", "trials", "1 to 1000"),
        ("domains=carts", "domains", "cart_management"),
        ("format=json", "format", "model, trials"),
        ("variants=200", "", "200000"),
    ] {
        let (status, kind, body) =
            get(root.path(), None, &format!("/coverage/cost?{query}"), false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(kind, "application/problem+json");
        let problem: Value = serde_json::from_str(&body).unwrap();
        if !field.is_empty() {
            assert_eq!(problem["field"], field, "{query}: {body}");
        }
        assert!(body.contains(needle), "{query}: {body}");
    }
}
