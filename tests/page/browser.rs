//! The page in headless Chromium (Debian's `chromium` and `chromium-driver`,
//! driven over WebDriver with fantoccini) against the `coverage serve`
//! binary on 127.0.0.1. One browser runs every step in turn: starting
//! Chromium is the slow part, and the steps read best as one user's visit.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::support::{assert_success, coverage};

/// The acceptance selection.
const TWO_DOMAINS: &[&str] = &["checkout_payments", "cart_management"];
const ONE_BEHAVIOR: &[&str] = &["multi_turn"];

/// How long a step may take: debug builds on a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// A child process killed when dropped, so a failing step leaves nothing.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `coverage serve` on 127.0.0.1, its address read from its first line.
fn serve(root: &Path, extra: &[&str]) -> (Killed, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("coverage"))
        .args(["serve", "--addr", "127.0.0.1:0", "--root"])
        .arg(root)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (Killed(child), url)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver and the profile of the headless Chromium behind it.
struct Browser {
    _driver: Killed,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(chromium: &Path) -> (Self, Client) {
        let port = free_port();
        let driver = Killed(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver runs (apt-get install chromium-driver)"),
        );
        let profile = tempfile::tempdir().unwrap();
        let options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,2600",
                // Scrollbars that take no width, as on a phone: the page's
                // width is then the window's (`innerWidth`) exactly.
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.path().display()),
                // The network unplugged: no name but the loopback resolves.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connected = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await;
            match connected {
                Ok(client) => break client,
                Err(error) if started.elapsed() > Duration::from_secs(30) => {
                    panic!("no WebDriver session from chromedriver: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let browser = Self {
            _driver: driver,
            _profile: profile,
        };
        (browser, client)
    }
}

/// The page as a user drives it.
struct Page {
    client: Client,
}

impl Page {
    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Polls `script` until it returns something other than null or false.
    async fn until(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.js(script).await;
            if !value.is_null() && value != Value::Bool(false) {
                return value;
            }
            assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, testid: &str) {
        self.client
            .find(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .unwrap_or_else(|e| panic!("no element {testid}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {testid}: {e}"));
    }

    async fn text(&self, testid: &str) -> String {
        let script =
            format!("return document.querySelector(\"[data-testid='{testid}']\").textContent");
        self.js(&script).await.as_str().unwrap().trim().to_owned()
    }

    /// The figures as the page shows them, once the newest count is in.
    async fn settled_count(&self, testid: &str, expected: usize) -> usize {
        let script = format!(
            "const f = document.getElementById('figures'); \
             const n = document.querySelector(\"[data-testid='{testid}']\").textContent.replaceAll(',', ''); \
             return f.dataset.state === 'ready' && n === '{expected}' ? Number(n) : null"
        );
        let started = Instant::now();
        loop {
            let value = self.js(&script).await;
            if let Some(n) = value.as_u64() {
                return n as usize;
            }
            if started.elapsed() > PATIENCE {
                let shown = self.text(testid).await;
                return shown.replace(',', "").parse().unwrap_or(usize::MAX);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into the field with `testid`, replacing what was there.
    async fn fill(&self, testid: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .unwrap_or_else(|e| panic!("no field {testid}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks *Select none* for both groups, then each of these.
    async fn choose(&self, domains: &[&str], behaviors: &[&str]) {
        self.click("domains-none").await;
        self.click("behaviors-none").await;
        for domain in domains {
            self.click(&format!("domain-{domain}")).await;
        }
        for behavior in behaviors {
            self.click(&format!("behavior-{behavior}")).await;
        }
    }

    async fn key(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    async fn focused_testid(&self) -> String {
        let value = self
            .js("return document.activeElement && document.activeElement.dataset.testid || ''")
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Presses Tab until the element with `testid` has focus.
    async fn tab_to(&self, testid: &str) {
        for _ in 0..200 {
            if self.focused_testid().await == testid {
                return;
            }
            self.key("\u{e004}").await;
        }
        panic!("Tab never reached {testid}");
    }
}

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"]
        .into_iter()
        .find_map(|name| {
            let path = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let path = String::from_utf8(path.stdout).ok()?;
            (!path.trim().is_empty()).then(|| PathBuf::from(path.trim()))
        });
    let driver = Command::new("sh")
        .args(["-c", "command -v chromedriver"])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    match (found, driver) {
        (Some(path), true) => Some(path),
        _ if std::env::var_os("CI").is_some() => {
            panic!("chromium or chromedriver is missing; .ci/run installs them")
        }
        _ => {
            eprintln!(
                "\n*** SKIPPED the page's browser tests: chromium or chromedriver is not installed \
                 (apt-get install chromium chromium-driver) ***\n"
            );
            None
        }
    }
}

/// The manifest's kept count for these domains and behaviors.
fn kept_by_manifest(domains: &[&str], behaviors: &[&str]) -> usize {
    let mut args = vec!["manifest", "--json"];
    args.extend(domains.iter().flat_map(|d| ["--domain", d]));
    args.extend(behaviors.iter().flat_map(|b| ["--behavior", b]));
    json_of(&args)["totals"]["kept"].as_u64().unwrap() as usize
}

/// `coverage <args>` printed JSON.
fn json_of(args: &[&str]) -> Value {
    let output = coverage().args(args).output().unwrap();
    assert_success(&output);
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every file under `dir`, relative, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_owned(), bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_page_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let root = tempfile::tempdir().unwrap();
        let (_server, url) = serve(root.path(), &[]);
        let (_browser, client) = Browser::start(&chromium).await;
        let result = tokio::spawn(visit(client.clone(), url, root.path().to_owned())).await;
        let _ = client.close().await;
        if let Err(error) = result {
            std::panic::resume_unwind(error.into_panic());
        }
    });
}

async fn visit(client: Client, url: String, root: PathBuf) {
    let browser = Page { client };
    let started = Instant::now();
    browser.client.goto(&url).await.unwrap();
    let loaded = started.elapsed();
    browser
        .until(
            "the first counts",
            "return document.getElementById('figures').dataset.state === 'ready'",
        )
        .await;
    let ready = started.elapsed();
    offline_and_labelled(&browser, &url).await;
    fits_a_narrow_window(&browser).await;
    eprintln!("page: DOMContentLoaded+load in {loaded:?}, live figures in {ready:?}");

    selection_matches_manifest_and_report(&browser).await;
    a_covering_subset_shows_its_size_coverage_and_cost(&browser).await;
    keyboard_alone_changes_the_selection(&browser).await;
    a_stale_answer_never_overwrites_a_newer_one(&browser).await;
    scenario_opens_from_the_grid(&browser).await;
    a_cell_filters_and_shows_expected_decisions(&browser).await;
    a_trap_scenario_fits_a_phone_and_a_wide_window(&browser).await;
    generate_save_download_and_refuse(&browser, &url, &root).await;
    cancel_a_long_job(&browser).await;
    one_click_is_one_job(&browser).await;
    the_token_is_asked_for_and_sent(&browser).await;
    the_report_fits_a_phone_and_a_wide_window(&browser).await;
}

/// No request left localhost and every control has a name.
async fn offline_and_labelled(browser: &Page, url: &str) {
    let entries = browser
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name)\
             .concat(performance.getEntriesByType('navigation').map(e => e.name))",
        )
        .await;
    let entries = entries.as_array().unwrap();
    assert!(entries.len() >= 3, "{entries:?}");
    for entry in entries {
        assert!(
            entry.as_str().unwrap().starts_with(url),
            "a request left the server: {entry}"
        );
    }
    let weight = browser
        .js("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))\
             .reduce((sum, e) => sum + e.transferSize, 0)")
        .await;
    eprintln!("page: first load transferred {weight} bytes");
    let unlabelled = browser
        .js("return [...document.querySelectorAll('input, select, button, a[href]')]\
             .filter(e => e.offsetParent !== null || e.type === 'checkbox')\
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())\
             .map(e => e.outerHTML)")
        .await;
    assert_eq!(unlabelled, json!([]), "controls without a label");
}

/// At 600 px wide only the wide tables scroll, inside their frames.
async fn fits_a_narrow_window(browser: &Page) {
    browser.client.set_window_size(600, 1000).await.unwrap();
    let fits = browser
        .until(
            "the page to fit 600 px",
            "return document.documentElement.scrollWidth <= window.innerWidth \
             || [document.documentElement.scrollWidth, window.innerWidth]",
        )
        .await;
    assert_eq!(fits, true, "scroll width against window width");
    browser.client.set_window_size(1400, 2600).await.unwrap();
}

/// Two domains and one behavior: kept and excluded are the manifest's; the
/// grid, the rules and the cost are `coverage report`'s.
async fn selection_matches_manifest_and_report(browser: &Page) {
    browser.choose(TWO_DOMAINS, ONE_BEHAVIOR).await;
    let mut args = vec!["manifest", "--json"];
    args.extend(TWO_DOMAINS.iter().flat_map(|d| ["--domain", d]));
    args.extend(ONE_BEHAVIOR.iter().flat_map(|b| ["--behavior", b]));
    let manifest = json_of(&args);
    let kept = manifest["totals"]["kept"].as_u64().unwrap() as usize;
    assert_eq!(browser.settled_count("kept-count", kept).await, kept);
    let excluded = manifest["totals"]["excluded"].as_u64().unwrap() as usize;
    assert_eq!(
        browser.settled_count("excluded-count", excluded).await,
        excluded
    );

    let reports = tempfile::tempdir().unwrap();
    let out = reports.path().join("r");
    let status = coverage()
        .args([
            "report",
            "--domain",
            "checkout_payments",
            "--domain",
            "cart_management",
            "--behavior",
            "multi_turn",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success());
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["totals"]["kept"], kept);
    for pair in report["pairs"].as_array().unwrap() {
        let cell = format!(
            "grid-{}-{}",
            pair["domain"].as_str().unwrap(),
            pair["behavior"].as_str().unwrap()
        );
        assert_eq!(
            browser.text(&cell).await,
            pair["kept"].to_string(),
            "{cell}"
        );
    }
    let dashes = browser
        .js("return [...document.querySelectorAll('button.cell')].filter(c => c.textContent === '—').length")
        .await;
    assert_eq!(dashes, json!(14 * 6 - 2));
    for rule in report["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let shown = browser
            .js(&format!("return document.querySelector(\"[data-testid='rule-{id}'] [data-role='removed']\").textContent"))
            .await;
        assert_eq!(
            shown.as_str().unwrap().replace(',', ""),
            rule["removed"].to_string(),
            "rule {id}"
        );
    }

    // The cost of each model the page offers: the report's total for it.
    for model in ["gpt-4o", "gpt-4o-mini"] {
        browser
            .client
            .find(Locator::Css("[data-testid='model']"))
            .await
            .unwrap()
            .select_by_value(model)
            .await
            .unwrap();
        let expected = report["cost"]["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"] == model)
            .unwrap();
        let total = coverage::figures::usd(expected["total"]["cost"].as_f64().unwrap());
        let script = format!(
            "return document.getElementById('cost').dataset.state === 'ready' && \
             document.getElementById('model').value === '{model}' && \
             document.querySelector(\"[data-testid='cost-total']\").textContent === '{total}'"
        );
        browser
            .until(&format!("the {model} cost {total}"), &script)
            .await;
        // One pass first, as `coverage cost` prices it (in cents), with how
        // many unique conversations it runs.
        let one_pass = browser
            .js("return Object.fromEntries([...document.querySelectorAll(\"tr[data-cost='one_pass'] [data-field]\")].map((c) => [c.dataset.field, c.textContent]))")
            .await;
        assert_eq!(
            one_pass["conversations"].as_str().unwrap().replace(',', ""),
            expected["one_pass"]["conversations"].to_string()
        );
        let cost = one_pass["cost"].as_str().unwrap();
        assert_eq!(
            cost,
            coverage::figures::usd(expected["one_pass"]["cost"].as_f64().unwrap())
        );
        assert!(
            cost.starts_with('$') && cost.split('.').nth(1).unwrap().len() == 2,
            "{cost}"
        );
        let tokens = browser
            .js("return document.querySelector(\"tr[data-cost='total'] [data-field='input_tokens']\").textContent")
            .await;
        assert_eq!(
            tokens.as_str().unwrap().replace(',', ""),
            expected["total"]["input_tokens"].to_string()
        );
    }
}

/// Tab, Enter and Space alone: none of the domains, then the first; none of
/// the behaviors, then the first.
/// Choosing pairs shows the subset `coverage manifest --strength 2` picks
/// for the same selection; choosing off hides it again.
async fn a_covering_subset_shows_its_size_coverage_and_cost(browser: &Page) {
    let pick = |value: &str| {
        format!(
            "const s = document.getElementById('strength'); s.value = '{value}'; \
             s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true"
        )
    };
    let mut args = vec!["manifest", "--json", "--strength", "2"];
    args.extend(TWO_DOMAINS.iter().flat_map(|d| ["--domain", d]));
    args.extend(ONE_BEHAVIOR.iter().flat_map(|b| ["--behavior", b]));
    let size = json_of(&args)["subset"]["size"].as_u64().unwrap();
    browser.js(&pick("2")).await;
    let shown = browser
        .until(
            "the subset figures",
            "const box = document.querySelector(\"[data-testid='subset-box']\"); \
             return document.getElementById('figures').dataset.state === 'ready' && !box.hidden \
             ? box.textContent : null",
        )
        .await;
    let shown = shown.as_str().unwrap();
    assert!(shown.contains(&format!("{size} scenarios")), "{shown}");
    assert!(
        shown.contains("(100.00%)") && shown.contains("gpt-4o"),
        "{shown}"
    );
    browser.js(&pick("")).await;
    browser
        .until(
            "the subset figures to go",
            "const box = document.querySelector(\"[data-testid='subset-box']\"); \
             return document.getElementById('figures').dataset.state === 'ready' && box.hidden",
        )
        .await;
}

async fn keyboard_alone_changes_the_selection(browser: &Page) {
    browser
        .js("document.activeElement.blur(); window.scrollTo(0, 0)")
        .await;
    browser.tab_to("domains-none").await;
    browser.key("\u{e007}").await; // Enter
    browser.tab_to("domain-product_discovery_search").await;
    browser.key(" ").await;
    browser.tab_to("behaviors-none").await;
    browser.key("\u{e007}").await;
    browser.tab_to("behavior-happy_path").await;
    browser.key(" ").await;
    let kept = kept_by_manifest(&["product_discovery_search"], &["happy_path"]);
    assert_eq!(browser.settled_count("kept-count", kept).await, kept);
}

/// The answer to an older selection arrives last (the page's fetch is
/// slowed for it) and is dropped: the newer selection's figures stay.
async fn a_stale_answer_never_overwrites_a_newer_one(browser: &Page) {
    browser
        .js("const real = window.fetch; let slowed = false; \
             window.fetch = (url, options) => { \
               const answer = real(url, options); \
               if (slowed || !String(url).includes('dry_run')) return answer; \
               slowed = true; window.slowedAnswer = 'pending'; \
               return answer.then(r => new Promise(done => setTimeout(() => { window.slowedAnswer = 'arrived'; done(r); }, 1500))); \
             }")
        .await;
    browser.click("domain-cart_management").await;
    browser
        .until(
            "the slowed question",
            "return window.slowedAnswer === 'pending'",
        )
        .await;
    browser.click("domain-checkout_payments").await;
    let kept = kept_by_manifest(
        &[
            "product_discovery_search",
            "cart_management",
            "checkout_payments",
        ],
        &["happy_path"],
    );
    assert_eq!(browser.settled_count("kept-count", kept).await, kept);
    browser
        .until(
            "the stale answer",
            "return window.slowedAnswer === 'arrived'",
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        browser.text("kept-count").await.replace(',', ""),
        kept.to_string()
    );
}

/// A grid cell lists its scenarios; one opens its conversation, system
/// prompt and expected action.
async fn scenario_opens_from_the_grid(browser: &Page) {
    browser.click("grid-checkout_payments-multi_turn").await;
    let id = "checkout_payments.multi_turn.high.soft.low_stock.near_limit";
    browser
        .until(
            "the cell's list",
            &format!("return !!document.querySelector(\"[data-testid='scenario-{id}']\")"),
        )
        .await;
    browser.click(&format!("scenario-{id}")).await;
    browser
        .until(
            "the conversation",
            "return !!document.querySelector(\"[data-testid='conversation']\")",
        )
        .await;
    let shown: Value = serde_json::from_slice(
        &coverage()
            .args(["show", id, "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let first_turn = shown["conversation"]["turns"][0]["content"]
        .as_str()
        .unwrap();
    let conversation = browser.text("conversation").await;
    assert!(conversation.contains(first_turn), "{conversation}");
    let prompt = browser.text("system-prompt").await;
    assert_eq!(
        prompt,
        shown["conversation"]["system_prompt"]
            .as_str()
            .unwrap()
            .trim()
    );
    let action = browser.text("expected-action").await;
    assert!(
        action.starts_with(
            shown["golden"]["final_outcome"]["decision"]
                .as_str()
                .unwrap()
        ),
        "{action}"
    );
    // Focus moved to the scenario, for keyboard and screen-reader users.
    let focused = browser.js("return document.activeElement.id").await;
    assert_eq!(focused, "scenario-heading");
    // Another seed lists the open cell again, for that seed.
    browser.fill("seed", "7").await;
    browser
        .until(
            "the cell listed for seed 7",
            "const l = document.querySelector(\"[data-testid='cell-list']\"); return l && l.dataset.seed === '7'",
        )
        .await;
    browser.fill("seed", "42").await;
    browser
        .until(
            "the cell listed for seed 42",
            "const l = document.querySelector(\"[data-testid='cell-list']\"); return l && l.dataset.seed === '42'",
        )
        .await;
}

/// The trap scenario whose demands (JSON with no space to wrap at) pushed
/// the page to 413 px on a 390 px phone.
const TRAP: &str = "checkout_payments.adversarial_trap.low.hard.backorder.out_of_policy";

/// The ids (`code` and `.id` elements on screen) broken inside a word: by
/// their computed style, or by a measured line break that does not fall
/// after a hyphen, underscore, dot, slash or space.
const IDS_BROKEN_MID_WORD: &str = "const broken = []; \
    for (const el of document.querySelectorAll('code, .id')) { \
      if (!el.getClientRects().length) continue; \
      const style = getComputedStyle(el); \
      if (style.wordBreak === 'break-all' || style.overflowWrap === 'anywhere') { \
        broken.push(`${el.textContent}: ${style.wordBreak} ${style.overflowWrap}`); continue; } \
      let prev = null; \
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); \
      for (let node = walker.nextNode(); node; node = walker.nextNode()) { \
        for (let i = 0; i < node.length; i++) { \
          const ch = node.data[i]; \
          /* A space at the end of a line has no box: it still allows the break. */ \
          if (/\\s/.test(ch)) { if (prev) prev = { ch, top: prev.top }; continue; } \
          const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1); \
          const rect = range.getClientRects()[0]; \
          if (!rect || !rect.width) continue; \
          if (prev && rect.top > prev.top + 2 && !/[-_./\\s]/.test(prev.ch)) \
            broken.push(`${el.textContent}: ${prev.ch}|${ch}`); \
          prev = { ch, top: rect.top }; } } } \
    return broken";

/// Resizes the window to `width` × `height` and checks that the document
/// is exactly as wide as the window (nothing scrolls the page sideways)
/// and that no id on screen breaks inside a word. Returns the document's
/// height.
async fn fits(browser: &Page, width: u32, height: u32, what: &str) -> u64 {
    browser.client.set_window_size(width, height).await.unwrap();
    let sizes = browser
        .until(
            &format!("a window {width} px wide"),
            &format!(
                "return window.innerWidth === {width} && [document.documentElement.scrollWidth, \
                 window.innerWidth, document.documentElement.scrollHeight]"
            ),
        )
        .await;
    assert_eq!(
        sizes[0], sizes[1],
        "{what} at {width}×{height}: the document's width against the window's"
    );
    let broken = browser.js(IDS_BROKEN_MID_WORD).await;
    assert_eq!(
        broken,
        json!([]),
        "{what} at {width}×{height}: ids broken mid-word"
    );
    sizes[2].as_u64().unwrap()
}

/// A cell lists each kept scenario with the decision its golden expects,
/// and typing words narrows the list to the scenarios holding them all.
async fn a_cell_filters_and_shows_expected_decisions(browser: &Page) {
    browser
        .click("grid-checkout_payments-adversarial_trap")
        .await;
    browser
        .until(
            "the trap cell's list",
            &format!("return !!document.querySelector(\"[data-testid='scenario-{TRAP}']\")"),
        )
        .await;
    let shown = browser.text(&format!("decision-{TRAP}")).await;
    let golden = json_of(&["show", TRAP, "--json"]);
    assert_eq!(shown, golden["golden"]["final_outcome"]["decision"]);

    let words = ["out_of_policy", "decline"];
    let coverage = coverage::Coverage::evaluate(42);
    let cell = coverage::Selection::new(
        vec![coverage::taxonomy::Domain::CheckoutPayments],
        vec![coverage::taxonomy::Behavior::AdversarialTrap],
    );
    let total = coverage.kept(&cell).count();
    let mut expected: Vec<String> = coverage
        .kept(&cell)
        .filter(|s| {
            let text = format!("{} {} {}", s.id(), s.bins_text(), s.decision().id());
            words.iter().all(|w| text.contains(w))
        })
        .map(|s| s.id())
        .collect();
    expected.sort();
    assert!(
        !expected.is_empty() && expected.len() < total,
        "the filter must narrow the list: {} of {total}",
        expected.len()
    );
    browser.fill("cell-filter", &words.join(" ")).await;
    let listed = browser
        .until(
            "the filtered list",
            &format!(
                "const count = document.querySelector(\"[data-testid='cell-filter-count']\").textContent; \
                 return count === '{} of {total} shown' && \
                 [...document.querySelectorAll('#cell-scenarios tbody tr')].filter(r => !r.hidden) \
                 .map(r => r.querySelector('[data-scenario]').dataset.scenario)",
                expected.len()
            ),
        )
        .await;
    let mut listed: Vec<String> = serde_json::from_value(listed).unwrap();
    listed.sort();
    assert_eq!(listed, expected);
    browser.fill("cell-filter", "no_such_bin").await;
    browser
        .until(
            "the note that nothing matches",
            "return !document.querySelector(\"[data-testid='cell-filter-none']\").hidden",
        )
        .await;
    browser
        .js(
            "const f = document.getElementById('cell-filter'); f.value = ''; \
             f.dispatchEvent(new Event('input', { bubbles: true }))",
        )
        .await;
    let all = browser.text("cell-filter-count").await;
    assert_eq!(all, format!("{total} of {total} shown"));
}

/// With the trap scenario open, the page is exactly as wide as a 390 px
/// phone and a 1400 px window, no id breaks inside a word, and on the
/// phone the cost column is on screen.
async fn a_trap_scenario_fits_a_phone_and_a_wide_window(browser: &Page) {
    browser.click(&format!("scenario-{TRAP}")).await;
    browser
        .until(
            "the trap scenario",
            &format!(
                "const v = document.querySelector(\"[data-testid='scenario-view']\"); \
                 return !!v && v.dataset.scenario === '{TRAP}'"
            ),
        )
        .await;
    let facts = browser
        .js("return document.querySelector(\"[data-testid='scenario-view']\").textContent")
        .await;
    assert!(
        facts
            .as_str()
            .unwrap()
            .contains("demands an exception to the limit for 3962.00"),
        "{facts}"
    );
    fits(browser, 390, 844, "the page, a trap scenario open").await;
    let cost_on_screen = browser
        .js("return document.querySelector(\"[data-testid='cost-one_pass']\").getBoundingClientRect().right \
             <= window.innerWidth")
        .await;
    assert_eq!(
        cost_on_screen, true,
        "the one-pass cost is off-screen at 390 px"
    );
    fits(browser, 1400, 900, "the page, a trap scenario open").await;
    browser.client.set_window_size(1400, 2600).await.unwrap();
}

/// `coverage report` for the whole grid: as wide as a phone and a wide
/// window, ids whole, a contents list whose links all land, and a page a
/// reader can scroll (it was 33,377 px at 1400 px).
async fn the_report_fits_a_phone_and_a_wide_window(browser: &Page) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let output = coverage()
        .arg("report")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&output);
    let page = format!("file://{}", out.join("report.html").display());
    browser.client.goto(&page).await.unwrap();
    let phone = fits(browser, 390, 844, "report.html").await;
    let wide = fits(browser, 1400, 900, "report.html").await;
    eprintln!("report.html: {wide} px tall at 1400 px, {phone} px at 390 px");
    assert!(wide < 8000, "report.html is {wide} px tall at 1400 px");
    let links = browser
        .js(
            "return [...document.querySelectorAll('nav a')].map(a => [a.getAttribute('href'), \
             !!document.querySelector(a.getAttribute('href'))])",
        )
        .await;
    let links = links.as_array().unwrap();
    assert!(links.len() >= 6, "{links:?}");
    for link in links {
        assert_eq!(link[1], true, "a contents link leads nowhere: {link}");
    }
    // Figures scale to the page instead of widening it.
    let figures = browser
        .js("return [...document.querySelectorAll('svg.heatmap')].every(s => s.getBoundingClientRect().width <= window.innerWidth)")
        .await;
    assert_eq!(figures, true);
    browser.client.set_window_size(1400, 2600).await.unwrap();
}

/// Generate and save into the empty root, download every file link and
/// validate what came down; a second run without overwrite is refused and
/// changes nothing; with overwrite every file is unchanged.
async fn generate_save_download_and_refuse(browser: &Page, url: &str, root: &Path) {
    browser.choose(TWO_DOMAINS, ONE_BEHAVIOR).await;
    let kept = kept_by_manifest(TWO_DOMAINS, ONE_BEHAVIOR);
    assert_eq!(browser.settled_count("kept-count", kept).await, kept);
    browser.click("generate").await;
    browser
        .until(
            "the job to finish",
            "return document.getElementById('progress').dataset.state === 'done'",
        )
        .await;
    let progress = browser
        .js("const p = document.getElementById('progress'); return [p.value, p.max]")
        .await;
    assert_eq!(progress[0], progress[1], "the bar ends full");

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    browser.js("window.scrollTo(0, 0)").await;
    let png = browser.client.screenshot().await.unwrap();
    std::fs::write(shots.join("after-generate.png"), png).unwrap();
    eprintln!(
        "page: screenshot {}",
        shots.join("after-generate.png").display()
    );

    let links = browser
        .js("return [...document.querySelectorAll(\"[data-testid='file-link']\")].map(a => a.getAttribute('href'))")
        .await;
    let links: Vec<String> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        links.len(),
        11,
        "5 pairs of dataset and golden, and the manifest: {links:?}"
    );
    let downloads = tempfile::tempdir().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    for link in &links {
        let relative = link.strip_prefix("/files/").unwrap();
        let body = agent
            .get(format!("{url}{link}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
        let target = downloads.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    }
    let validated = coverage()
        .arg("validate")
        .arg(downloads.path())
        .output()
        .unwrap();
    assert!(
        validated.status.success(),
        "{}",
        String::from_utf8_lossy(&validated.stdout)
    );
    assert!(String::from_utf8_lossy(&validated.stdout).contains("10 files valid"));
    // One archive of every file, paths kept: it unpacks to the job's tree
    // (the lock file, the server's bookkeeping, aside). The list of single
    // files is folded below it.
    let written = browser
        .js(
            "const box = document.querySelector(\"[data-testid='written']\"); \
             return [box.hidden, box.querySelector('details').open, \
             document.querySelector(\"[data-testid='archive-link']\").getAttribute('href')]",
        )
        .await;
    assert_eq!(written[0], false, "no archive link: {written}");
    assert_eq!(written[1], false, "the file list is open: {written}");
    let archive = written[2].as_str().unwrap();
    assert!(archive.ends_with("/archive"), "{archive}");
    let tar = agent
        .get(format!("{url}{archive}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    let unpacked = tempfile::tempdir().unwrap();
    std::fs::write(downloads.path().join("job.tar"), tar).unwrap();
    let status = Command::new("tar")
        .arg("-xf")
        .arg(downloads.path().join("job.tar"))
        .arg("-C")
        .arg(unpacked.path())
        .status()
        .unwrap();
    assert!(status.success());
    // Every file, the lock (the run's settings) included.
    let job_tree: Vec<_> = snapshot(root);
    assert_eq!(job_tree.len(), 12);
    assert!(
        snapshot(unpacked.path()) == job_tree,
        "the archive's tree differs from the job's"
    );
    // The browser itself fetches a link as a download would.
    let fetched = browser
        .js("return fetch(document.querySelector(\"[data-testid='file-link']\").href).then(r => r.status)")
        .await;
    assert_eq!(fetched, 200);

    let before = snapshot(root);
    browser.click("generate").await;
    browser
        .until(
            "the refusal",
            "return !document.querySelector(\"[data-testid='refusal']\").hidden",
        )
        .await;
    let message = browser.text("refusal-message").await;
    assert!(message.contains("exist"), "{message}");
    assert_eq!(snapshot(root), before, "a refused run changes nothing");

    browser.click("overwrite-retry").await;
    browser
        .until("the overwrite to finish", "return document.getElementById('progress').dataset.state === 'done' && document.querySelectorAll(\"[data-status='unchanged']\").length === 11")
        .await;
    assert_eq!(
        snapshot(root),
        before,
        "the same selection and seed give the same bytes"
    );
    assert!(
        browser
            .text("job-status")
            .await
            .contains("0 written, 5 unchanged")
    );
    let ticked = browser
        .js("return document.getElementById('overwrite').checked")
        .await;
    assert_eq!(ticked, false, "overwriting once leaves the box as it was");
}

/// A job over many variants, cancelled as it runs.
async fn cancel_a_long_job(browser: &Page) {
    browser.click("domains-all").await;
    browser.click("behaviors-all").await;
    // 13 × 5,376 in each of three layouts is over the server's 200,000:
    // said before anything is asked to run.
    browser.fill("variants", "13").await;
    browser
        .settled_count("conversation-count", 5376 * 13 * 3)
        .await;
    // Unique conversations come first: each is in all three layouts.
    assert_eq!(
        browser.text("unique-count").await.replace(',', ""),
        (5376 * 13).to_string()
    );
    let refused = browser
        .js(
            "return [document.querySelector(\"[data-testid='generate']\").disabled, \
             document.getElementById('selection-error').textContent]",
        )
        .await;
    assert_eq!(refused[0], true, "{refused}");
    assert!(
        refused[1]
            .as_str()
            .unwrap()
            .contains("over this server's limit of 200,000"),
        "{refused}"
    );
    // 12 × 5,376 in each of three layouts: under the server's 200,000.
    browser.fill("variants", "12").await;
    browser
        .settled_count("conversation-count", 5376 * 12 * 3)
        .await;
    browser
        .js("document.getElementById('out').value = 'many'")
        .await;
    browser.click("generate").await;
    browser
        .until(
            "progress",
            "return document.getElementById('progress').value > 0",
        )
        .await;
    browser.click("cancel").await;
    browser
        .until(
            "the cancellation",
            "return document.getElementById('progress').dataset.state === 'failed'",
        )
        .await;
    let status = browser.text("job-status").await;
    assert!(status.starts_with("Cancelled: "), "{status}");
    // The button comes back once the page has re-checked the form, which
    // may land just after the cancelled state on a loaded machine.
    browser
        .until(
            "Generate to be enabled again (a new job can start)",
            "return !document.querySelector(\"[data-testid='generate']\").disabled",
        )
        .await;
}

/// Editing the form while a job's request is on its way does not offer
/// *Generate* again: one click, one job.
async fn one_click_is_one_job(browser: &Page) {
    browser
        .js("document.getElementById('out').value = 'once'")
        .await;
    browser.fill("variants", "1").await;
    browser.choose(&["order_management"], &["happy_path"]).await;
    let kept = kept_by_manifest(&["order_management"], &["happy_path"]);
    assert_eq!(browser.settled_count("kept-count", kept).await, kept);
    browser
        .js("const real = window.fetch; let slowed = false; \
             window.fetch = (url, options) => { \
               const answer = real(url, options); \
               if (slowed || !(options && options.method === 'POST')) return answer; \
               slowed = true; window.slowedPost = 'pending'; \
               return answer.then(r => new Promise(done => setTimeout(() => { window.slowedPost = 'arrived'; done(r); }, 1500))); \
             }")
        .await;
    browser.click("generate").await;
    browser
        .until("the slowed start", "return window.slowedPost === 'pending'")
        .await;
    browser.click("behavior-multi_turn").await;
    let both = kept_by_manifest(&["order_management"], &["happy_path", "multi_turn"]);
    assert_eq!(browser.settled_count("kept-count", both).await, both);
    let disabled = browser
        .js("return document.querySelector(\"[data-testid='generate']\").disabled")
        .await;
    assert_eq!(disabled, true, "Generate is offered while a job starts");
    browser
        .until(
            "the job to finish",
            "return document.getElementById('progress').dataset.state === 'done'",
        )
        .await;
    let jobs = browser
        .js("return fetch('/coverage/jobs?limit=100').then(r => r.json()).then(j => j.jobs.filter(x => x.out === 'once').length)")
        .await;
    assert_eq!(jobs, 1);
}

/// Against `serve --token`: the page loads, asks for the token when the
/// API answers 401, then sends it with every call, the event stream
/// included.
async fn the_token_is_asked_for_and_sent(browser: &Page) {
    let root = tempfile::tempdir().unwrap();
    let (_server, url) = serve(root.path(), &["--token", "page-secret"]);
    browser.client.goto(&url).await.unwrap();
    browser
        .until(
            "the token field",
            "return !document.getElementById('token-box').hidden",
        )
        .await;
    browser
        .client
        .find(Locator::Css("[data-testid='token']"))
        .await
        .unwrap()
        .send_keys("page-secret")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Id("token-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .until(
            "the figures with the token",
            "return document.getElementById('figures').dataset.state === 'ready'",
        )
        .await;
    browser
        .choose(&["trust_safety_fraud"], &["happy_path"])
        .await;
    let kept = kept_by_manifest(&["trust_safety_fraud"], &["happy_path"]);
    assert_eq!(browser.settled_count("kept-count", kept).await, kept);
    browser.click("generate").await;
    browser
        .until(
            "the job, followed with the token",
            "return document.getElementById('progress').dataset.state === 'done'",
        )
        .await;
    let links = browser
        .js("return document.querySelectorAll(\"[data-testid='file-link']\").length")
        .await;
    // One domain, one behavior: three pairs, one per layout, and the manifest.
    assert_eq!(links, 7);
}
