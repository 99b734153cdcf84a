//! `coverage serve`: handlers through `tower::ServiceExt::oneshot`, and a
//! real server on 127.0.0.1 with a real HTTP client for jobs, events,
//! refusals, cancellation, files and tokens.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use coverage::server::{self, ServerConfig};
use coverage::validate::{Options, validate_paths};

use crate::support::coverage;

fn config(root: &Path, token: Option<&str>) -> ServerConfig {
    ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        root: root.to_owned(),
        token: token.map(str::to_owned),
        allowed_hosts: Vec::new(),
        concurrency: 2,
        max_conversations: server::DEFAULT_MAX_CONVERSATIONS,
        rates: ::coverage::cost::Rates::shipped(),
        header_timeout: server::DEFAULT_HEADER_TIMEOUT,
        idle_timeout: server::DEFAULT_IDLE_TIMEOUT,
    }
}

/// A response's status and JSON body, from the router alone.
async fn call(
    root: &Path,
    token: Option<&str>,
    request: Request<Body>,
) -> (StatusCode, Value, String) {
    let state = server::state(&config(root, token)).unwrap();
    let response = server::router(state).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        content_type,
    )
}

fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn bad_input_gets_a_problem_naming_the_field_the_value_and_what_is_valid() {
    let root = tempfile::tempdir().unwrap();
    let cases = [
        (
            post("/coverage/generate", r#"{"domains":["cart"]}"#),
            422,
            "domains",
            json!("cart"),
        ),
        (
            post("/coverage/generate", r#"{"seed":-1}"#),
            422,
            "seed",
            json!(-1),
        ),
        (
            post("/coverage/generate", r#"{"format":"xml"}"#),
            422,
            "format",
            json!("xml"),
        ),
        (
            post("/coverage/generate", r#"{"layouts":["flat"]}"#),
            422,
            "layouts",
            json!("flat"),
        ),
        (
            post("/coverage/generate", r#"{"colour":"red"}"#),
            422,
            "colour",
            json!("red"),
        ),
        (
            post("/coverage/generate", r#"{"out":"../escape"}"#),
            422,
            "out",
            json!("../escape"),
        ),
        (
            post("/coverage/generate", r#"{"out":"/etc"}"#),
            422,
            "out",
            json!("/etc"),
        ),
        (
            get("/coverage/generate?dry_run=true&behaviors=polite"),
            422,
            "behaviors",
            json!("polite"),
        ),
        (
            get("/coverage/generate?dry_run=false"),
            422,
            "dry_run",
            json!(false),
        ),
        (
            get("/coverage/manifest?seed=forty-two"),
            422,
            "seed",
            json!("forty-two"),
        ),
        (
            get("/coverage/scenarios/not.a.scenario"),
            404,
            "id",
            json!("not.a.scenario"),
        ),
        (get("/coverage/jobs/job-999"), 404, "id", json!("job-999")),
    ];
    for (request, status, field, value) in cases {
        let path = request.uri().to_string();
        let (got, problem, content_type) = call(root.path(), None, request).await;
        assert_eq!(got.as_u16(), status, "{path}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{path}");
        assert_eq!(problem["field"], field, "{path}: {problem}");
        assert_eq!(problem["value"], value, "{path}: {problem}");
        if status == 422 {
            assert!(
                problem["valid"].as_str().is_some_and(|v| !v.is_empty()),
                "{path}: {problem}"
            );
        }
    }
    let (status, _, _) = call(root.path(), None, post("/coverage/generate", "{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let big = format!(r#"{{"out":"{}"}}"#, "a".repeat(70 * 1024));
    let (status, problem, _) = call(root.path(), None, post("/coverage/generate", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    let (status, _, _) = call(root.path(), None, get("/no/such/endpoint")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem, _) = call(
        root.path(),
        None,
        get("/coverage/scenarios/cart_management.happy_path.low.none.in_stock.out_of_policy"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("regulatory-block"),
        "{problem}"
    );
}

/// `{"dry_run":true,…,"dry_run":false}` started a real job (the last key
/// won) and `?seed=1&seed=2` used 2.
#[tokio::test]
async fn duplicate_body_keys_and_repeated_query_parameters_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let (status, problem, _) = call(
        root.path(),
        None,
        post(
            "/coverage/generate",
            r#"{"dry_run":true,"domains":["cart_management"],"dry_run":false}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "dry_run", "{problem}");
    assert_eq!(problem["detail"], "the body names 'dry_run' more than once");
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        0,
        "nothing written"
    );
    for path in [
        "/coverage/generate?dry_run=true&seed=1&seed=2",
        "/coverage/manifest?seed=1&seed=2",
        "/coverage/cost?trials=1&trials=2",
    ] {
        let (status, problem, _) = call(root.path(), None, get(path)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .ends_with("is given more than once"),
            "{path}: {problem}"
        );
    }
    let (status, problem, _) = call(
        root.path(),
        None,
        get("/coverage/generate?dry_run=true&domains=cart_management&domains=product_discovery_search"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "lists still repeat: {problem}");
}

/// `/files/x.html` was served as a live `text/html` page of the API's origin.
#[tokio::test]
async fn files_are_served_as_data_never_as_a_live_page() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("x.html"), "<script>alert(1)</script>").unwrap();
    std::fs::write(root.path().join("d.dataset.json"), "{}").unwrap();
    let state = server::state(&config(root.path(), None)).unwrap();
    for (path, disposition) in [
        ("/files/x.html", "attachment; filename=\"x.html\""),
        ("/files/d.dataset.json", "inline"),
    ] {
        let response = server::router(state.clone())
            .oneshot(get(path))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            headers["content-security-policy"], "default-src 'none'; sandbox",
            "{path}"
        );
        assert_eq!(headers["content-disposition"], disposition, "{path}");
    }
}

#[tokio::test]
async fn a_dry_run_counts_without_writing_and_the_manifest_and_scenarios_answer() {
    let root = tempfile::tempdir().unwrap();
    let (status, dry, _) = call(root.path(), None, get("/coverage/generate?dry_run=true&domains=cart_management&behaviors=happy_path,ambiguous")).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["totals"]["kept"], 136);
    assert_eq!(dry["pairs"].as_array().unwrap().len(), 2);
    assert_eq!(dry["rules"][2]["id"], "regulatory-block");
    assert_eq!(dry["rules"][2]["removed"], 72);
    assert!(dry["rules"][2]["rationale"].as_str().is_some());
    // 2 per-behavior files, 1 per-domain, 1 global; none there yet.
    let files = dry["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    assert!(files.iter().all(|f| f["exists"] == false));
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        0,
        "a dry run wrote something"
    );

    let (status, split, _) = call(
        root.path(),
        None,
        post("/coverage/generate", r#"{"dry_run":true,"combined":false}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(split["files"].as_array().unwrap().len(), 84);
    let (_, combined, _) = call(
        root.path(),
        None,
        post("/coverage/generate", r#"{"dry_run":true,"combined":true}"#),
    )
    .await;
    assert_eq!(combined["files"].as_array().unwrap().len(), 15);

    let (status, manifest, _) = call(
        root.path(),
        None,
        get("/coverage/manifest?seed=7&domains=checkout_payments"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["totals"]["raw"], 648);
    let id = "checkout_payments.multi_turn.high.soft.low_stock.near_limit";
    let (status, shown, _) =
        call(root.path(), None, get(&format!("/coverage/scenarios/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["conversation"]["scenario_id"], id);
    assert_eq!(shown["golden"]["scenario_id"], id);

    let (status, doc, _) = call(root.path(), None, get("/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/coverage/generate",
        "/coverage/jobs/{id}/events",
        "/files/{path}",
        "/healthz",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from /openapi.json"
        );
    }
}

#[tokio::test]
async fn streaming_without_save_sends_ndjson_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let state = server::state(&config(root.path(), None)).unwrap();
    let request = post(
        "/coverage/generate",
        r#"{"save":false,"domains":["cart_management"],"behaviors":["happy_path"],"layouts":["split"]}"#,
    );
    let response = server::router(state).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 64);
    assert!(
        lines
            .iter()
            .all(|l| l["dataset_id"] == "commerce.cart_management.happy_path"
                && l["conversation"]["id"] == l["golden"]["conversation_id"])
    );
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_token_is_required_when_set_and_not_otherwise() {
    let root = tempfile::tempdir().unwrap();
    let (status, problem, _) = call(root.path(), Some("s3cret"), get("/healthz")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    let wrong = Request::get("/healthz")
        .header("authorization", "Bearer nope")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        call(root.path(), Some("s3cret"), wrong).await.0,
        StatusCode::UNAUTHORIZED
    );
    let right = Request::get("/healthz")
        .header("authorization", "Bearer s3cret")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        call(root.path(), Some("s3cret"), right).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(root.path(), None, get("/healthz")).await.0,
        StatusCode::OK
    );
    // Listening beyond loopback without a token is refused at start.
    let mut open = config(root.path(), None);
    open.addr = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(
        server::state(&open),
        Err(server::ServeError::OpenWithoutToken(_))
    ));
}

/// Random JSON bodies, valid or not, never get a 5xx.
#[tokio::test]
async fn random_bodies_never_get_a_server_error() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let keys = [
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
        "x",
    ];
    for _ in 0..300 {
        let mut body = serde_json::Map::new();
        for _ in 0..rng.below(4) {
            let key = keys[rng.below(keys.len())];
            body.insert(key.to_owned(), random_value(&mut rng, 2));
        }
        // Keep any accidental real job or stream small.
        body.entry("dry_run")
            .or_insert(Value::Bool(rng.below(4) != 0));
        body.entry("domains").or_insert(json!(["cart_management"]));
        body.entry("behaviors").or_insert(json!(["happy_path"]));
        let text = if rng.below(10) == 0 {
            random_value(&mut rng, 2).to_string()
        } else {
            Value::Object(body).to_string()
        };
        let (status, problem, _) =
            call(root.path(), None, post("/coverage/generate", text.clone())).await;
        assert!(status.as_u16() < 500, "{text} → {status}: {problem}");
    }
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn random_value(rng: &mut XorShift, depth: usize) -> Value {
    let words = [
        "cart_management",
        "happy_path",
        "json",
        "jsonl",
        "split",
        "global",
        "..",
        "a/b",
        "",
        "ünï",
        "\u{0}",
    ];
    match rng.below(if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!(rng.below(100) as i64 - 50),
        3 => json!(u64::MAX - rng.below(3) as u64),
        4 => Value::String(words[rng.below(words.len())].to_owned()),
        5 => Value::Array(
            (0..rng.below(3))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => json!({ "k": random_value(rng, depth - 1) }),
    }
}

/// A server on 127.0.0.1:0 in a thread of its own, stopped on drop.
struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
    token: Option<String>,
}

impl Running {
    fn start(root: &Path, token: Option<&str>) -> Self {
        Self::with(config(root, token))
    }

    /// A server of `config`, its token included.
    fn with(config: ServerConfig) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let token = config.token.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime
                .block_on(server::serve(
                    config,
                    async {
                        let _ = stopped.await;
                    },
                    move |addr| addr_tx.send(addr).unwrap(),
                ))
                .unwrap();
        });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            addr: addr_rx.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
            agent,
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = self.url(path);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let response = match (method, body) {
            ("POST", Some(body)) => {
                let mut request = self.agent.post(&url);
                if let Some(auth) = &auth {
                    request = request.header("authorization", auth);
                }
                request.send_json(body)
            }
            ("DELETE", _) => {
                let mut request = self.agent.delete(&url);
                if let Some(auth) = &auth {
                    request = request.header("authorization", auth);
                }
                request.call()
            }
            _ => {
                let mut request = self.agent.get(&url);
                if let Some(auth) = &auth {
                    request = request.header("authorization", auth);
                }
                request.call()
            }
        };
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Polls a job until it is no longer running.
    fn wait(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (_, job) = self.request("GET", &format!("/coverage/jobs/{id}"), None);
            if job["status"] != "running" {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} still running: {job}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every file under `dir` but lock files, relative, with its bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if !path.ends_with(coverage::job::LOCK_FILE) {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

#[test]
fn a_saved_job_writes_what_the_cli_writes_and_refuses_to_clobber_without_overwrite() {
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), None);
    let body = json!({"domains": ["shipping_delivery"], "out": "runs/a"});
    let (status, job) = server.request("POST", "/coverage/generate", Some(body.clone()));
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    let done = server.wait(&id);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["report"]["out"], "runs/a");
    assert!(done["metrics"]["bytes"].as_u64().unwrap() > 0, "{done}");
    assert!(
        done["metrics"]["conversations_per_second"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(done["progress"]["done"], done["progress"]["total"]);

    let cli = tempfile::tempdir().unwrap();
    let output = coverage()
        .args(["generate", "--domain", "shipping_delivery", "--out"])
        .arg(cli.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        tree(&root.path().join("runs/a")) == tree(cli.path()),
        "the job's files differ from `coverage generate`'s"
    );

    // Again without overwrite: 409 naming the files, nothing written.
    let before = tree(root.path());
    let (status, problem) = server.request("POST", "/coverage/generate", Some(body));
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["paths"][0]
            .as_str()
            .unwrap()
            .starts_with("runs/a/commerce/"),
        "{problem}"
    );
    assert!(tree(root.path()) == before);
    // With overwrite: the same bytes, every file unchanged.
    let (status, job) = server.request(
        "POST",
        "/coverage/generate",
        Some(json!({"domains": ["shipping_delivery"], "out": "runs/a", "overwrite": true})),
    );
    assert_eq!(status, 202, "{job}");
    let done = server.wait(job["id"].as_str().unwrap());
    assert!(
        done["report"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "unchanged"),
        "{done}"
    );
    assert!(tree(root.path()) == before);

    // Its files are served; nothing outside the root is.
    let (status, golden) = server.request("GET", "/files/runs/a/commerce/global.golden.json", None);
    assert_eq!(status, 200);
    assert_eq!(golden["metadata"]["dataset_id"], "commerce.global");
    std::fs::write(root.path().parent().unwrap().join("secret.txt"), "no").ok();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", root.path().join("etc-link")).unwrap();
    for path in [
        "/files/../secret.txt",
        "/files/..%2fsecret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2Fetc%2Fpasswd",
        "/files//etc/passwd",
        "/files/etc-link/passwd",
        "/files/runs/a/.coverage.lock",
        "/files/runs",
        "/files/runs/a/commerce/nothing.json",
    ] {
        let (status, _) = server.request("GET", path, None);
        assert_eq!(status, 404, "{path}");
    }
}

#[test]
fn events_stream_in_order_to_the_report_and_a_second_job_on_the_same_directory_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), Some("t0ken"));
    let (status, job) = server.request("POST", "/coverage/generate", Some(json!({"out": "full"})));
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    // Busy: the first job holds the directory.
    let (status, problem) = server.request(
        "POST",
        "/coverage/generate",
        Some(json!({"out": "full", "overwrite": true})),
    );
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("in use by another coverage run"),
        "{problem}"
    );

    let response = server
        .agent
        .get(&server.url(&format!("/coverage/jobs/{id}/events")))
        .header("authorization", "Bearer t0ken")
        .call()
        .unwrap();
    let reader = BufReader::new(response.into_body().into_reader());
    let mut kinds = Vec::new();
    let mut last_data = Value::Null;
    for line in reader.lines() {
        let line = line.unwrap();
        if let Some(kind) = line.strip_prefix("event: ") {
            kinds.push(kind.to_owned());
        } else if let Some(data) = line.strip_prefix("data: ") {
            last_data = serde_json::from_str(data).unwrap();
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("planned"));
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("finished"),
        "{kinds:?}"
    );
    let started = kinds.iter().filter(|k| *k == "file_started").count();
    let done = kinds.iter().filter(|k| *k == "file_done").count();
    assert_eq!((started, done), (99, 99));
    assert_eq!(last_data["report"]["kept"], 5376);
    let (_, job) = server.request("GET", &format!("/coverage/jobs/{id}"), None);
    assert!(
        job["report"] == last_data["report"],
        "the job shows the report it streamed"
    );
    let (_, listed) = server.request("GET", "/coverage/jobs", None);
    assert_eq!(listed["jobs"][0]["id"], id.as_str());
}

#[test]
fn cancelling_a_job_leaves_only_complete_files_and_shutdown_cancels_the_rest() {
    let root = tempfile::tempdir().unwrap();
    let mut server = Running::start(root.path(), None);
    let (_, job) = server.request(
        "POST",
        "/coverage/generate",
        Some(json!({"out": "cancelled"})),
    );
    let id = job["id"].as_str().unwrap().to_owned();
    let (status, view) = server.request("DELETE", &format!("/coverage/jobs/{id}"), None);
    assert_eq!(status, 202, "{view}");
    let ended = server.wait(&id);
    assert_eq!(ended["status"], "cancelled", "{ended}");
    let (status, _) = server.request("DELETE", &format!("/coverage/jobs/{id}"), None);
    assert_eq!(status, 409);

    // A job still running when the server stops is cancelled, not cut.
    let (_, job) = server.request(
        "POST",
        "/coverage/generate",
        Some(json!({"out": "stopped"})),
    );
    assert_eq!(job["status"], "running");
    server.stop();
    for dir in ["cancelled", "stopped"] {
        let out = root.path().join(dir);
        let report = validate_paths(std::slice::from_ref(&out), Options::default()).unwrap();
        let incomplete: Vec<_> = report
            .problems
            .iter()
            .filter(|p| !p.message.contains("no dataset to check against"))
            .collect();
        assert!(incomplete.is_empty(), "{incomplete:#?}");
        let temps = tree(&out)
            .into_keys()
            .filter(|p| p.to_string_lossy().contains(coverage::job::TEMP_PREFIX))
            .count();
        assert_eq!(temps, 0, "{dir} holds temporary files");
    }
}

#[test]
fn combined_and_split_saves_write_their_layouts_only() {
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), None);
    for (combined, expected) in [(true, vec!["combined", "global"]), (false, vec!["split"])] {
        let out = format!("layout-{combined}");
        let body = json!({"domains": ["cart_management"], "behaviors": ["happy_path", "ambiguous"], "combined": combined, "out": out});
        let (status, job) = server.request("POST", "/coverage/generate", Some(body));
        assert_eq!(status, 202, "{job}");
        let done = server.wait(job["id"].as_str().unwrap());
        let mut layouts: Vec<&str> = done["report"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["layout"].as_str().unwrap())
            .collect();
        layouts.dedup();
        assert_eq!(layouts, expected, "{done}");
        let files = tree(&root.path().join(&out)).len();
        // Each pair a dataset and a golden, plus the manifest.
        let pairs = done["report"]["files"].as_array().unwrap().len();
        assert_eq!(files, 2 * pairs + 1);
    }
}

/// The status line's code of one raw HTTP/1.1 exchange, sent as a browser
/// on another site would send it.
fn raw_status(addr: SocketAddr, request: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"))
}

/// Regression: a plain HTML form on any web site started a job that
/// overwrote files (no token is the default on loopback), and a hostile
/// name rebound to 127.0.0.1 could read and write through `Host`.
#[test]
fn cross_site_forms_and_rebound_host_names_are_refused_and_start_nothing() {
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), None);
    let host = server.addr.to_string();
    let post_body = |host: &str, content_type: &str, origin: Option<&str>, body: &str| {
        let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
        format!(
            "POST /coverage/generate HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n{origin}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let post = |host: &str, content_type: &str, origin: Option<&str>| {
        post_body(
            host,
            content_type,
            origin,
            r#"{"overwrite":true,"seed":1337}"#,
        )
    };
    let cases = [
        ("a text/plain form", post(&host, "text/plain", Some("https://evil.example")), 403),
        ("a text/plain body without Origin", post(&host, "text/plain", None), 415),
        ("a form-encoded body", post(&host, "application/x-www-form-urlencoded", None), 415),
        ("a multipart body", post(&host, "multipart/form-data; boundary=x", None), 415),
        ("JSON from another site", post(&host, "application/json", Some("https://evil.example")), 403),
        ("JSON through a rebound name", post("evil.example", "application/json", None), 403),
        (
            "a read through a rebound name",
            "GET /coverage/manifest HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n".to_owned(),
            403,
        ),
        (
            "the page through a rebound name",
            "GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".to_owned(),
            403,
        ),
        (
            "a cancel from another site",
            format!("DELETE /coverage/jobs/job-1 HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: cross-site\r\nConnection: close\r\n\r\n"),
            403,
        ),
    ];
    for (what, request, expected) in cases {
        assert_eq!(raw_status(server.addr, &request), expected, "{what}");
    }
    let (status, jobs) = server.request("GET", "/coverage/jobs", None);
    assert_eq!(status, 200);
    assert_eq!(jobs["jobs"], json!([]), "no job started: {jobs}");
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    // The server's own page (same origin, JSON) is answered.
    let own_page = post_body(
        &host,
        "application/json",
        Some(&format!("http://{host}")),
        r#"{"dry_run":true}"#,
    );
    assert_eq!(raw_status(server.addr, &own_page), 200);
}

/// The list held every job's full report: 242 MB in one answer after 110
/// full jobs, and four at once took the server to 1.59 GB.
#[test]
fn the_job_list_is_summaries_and_paginated() {
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), None);
    let ids: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|out| {
            let body = json!({"domains": ["cart_management"], "behaviors": ["happy_path"], "out": out, "variants": 2});
            let (status, job) = server.request("POST", "/coverage/generate", Some(body));
            assert_eq!(status, 202, "{job}");
            let id = job["id"].as_str().unwrap().to_owned();
            assert_eq!(server.wait(&id)["status"], "succeeded");
            id
        })
        .collect();

    let (status, first) = server.request("GET", "/coverage/jobs?limit=2", None);
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["total"].as_u64(), first["limit"].as_u64()),
        (Some(3), Some(2))
    );
    let listed = |page: &Value| -> Vec<String> {
        page["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed(&first), ids[..2]);
    let summary = first["jobs"][0].as_object().unwrap();
    let keys: Vec<&str> = summary.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "status",
            "out",
            "spec",
            "started_at",
            "ended_at",
            "progress",
            "links"
        ],
        "a summary, no report: {summary:?}"
    );
    assert_eq!(summary["spec"]["domains"], json!(["cart_management"]));
    assert_eq!(summary["spec"]["variants"], 2);
    assert_eq!(summary["progress"]["done"], summary["progress"]["total"]);

    let next = first["next"].as_str().unwrap();
    assert_eq!(next, format!("/coverage/jobs?limit=2&after={}", ids[1]));
    let (status, last) = server.request("GET", next, None);
    assert_eq!(status, 200, "{last}");
    assert_eq!(listed(&last), ids[2..]);
    assert_eq!(last["next"], Value::Null);
    let (_, all) = server.request("GET", "/coverage/jobs", None);
    assert_eq!(
        (listed(&all), all["limit"].as_u64()),
        (ids.clone(), Some(20))
    );
    // The report is at the job's own address.
    let (_, job) = server.request("GET", &format!("/coverage/jobs/{}", ids[0]), None);
    assert_eq!(job["report"]["kept"], 64, "{job}");

    let bad = [
        ("limit=0", "limit", "0"),
        ("limit=101", "limit", "101"),
        ("limit=ten", "limit", "ten"),
        ("limit=-1", "limit", "-1"),
        ("after=job-1", "after", "job-1"),
        ("after=job-0-1", "after", "job-0-1"),
        ("page=2", "page", "2"),
        ("limit=1&limit=2", "limit", "2"),
    ];
    for (query, field, value) in bad {
        let (status, problem) = server.request("GET", &format!("/coverage/jobs?{query}"), None);
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(
            (problem["field"].as_str(), problem["value"].as_str()),
            (Some(field), Some(value)),
            "{query}: {problem}"
        );
        assert!(
            problem["valid"].as_str().is_some_and(|v| !v.is_empty()),
            "{query}: {problem}"
        );
    }
}

/// Every event was serialized and copied once per listener, while the job
/// held its lock: 100 event-stream clients that never read stalled other
/// requests for up to 7.2 s.
#[test]
fn stream_clients_that_never_read_do_not_stall_other_requests() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), None);
    let (status, job) = server.request("POST", "/coverage/generate", Some(json!({"out": "full"})));
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    let events = format!(
        "GET /coverage/jobs/{id}/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    );
    let silent: Vec<std::net::TcpStream> = (0..100)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
            stream.write_all(events.as_bytes()).unwrap();
            stream
        })
        .collect();
    let reader = {
        let url = server.url(&format!("/coverage/jobs/{id}/events"));
        std::thread::spawn(move || event_kinds(&url))
    };
    // While the job runs, and for a while after it ends (when every
    // listener is sent the report), other requests are answered at once.
    let job_path = format!("/coverage/jobs/{id}");
    let paths = [
        "/healthz",
        "/coverage/generate?dry_run=true&domains=cart_management",
        &job_path,
    ];
    let deadline = Instant::now() + Duration::from_secs(300);
    let (mut slowest, mut ended) = (Duration::ZERO, None::<Instant>);
    while ended.is_none_or(|at| at.elapsed() < Duration::from_secs(2)) {
        assert!(Instant::now() < deadline, "job {id} still running");
        for path in paths {
            let started = Instant::now();
            let (status, body) = server.request("GET", path, None);
            slowest = slowest.max(started.elapsed());
            assert_eq!(status, 200, "{path}: {body}");
            if path == job_path && ended.is_none() && body["status"] != "running" {
                assert_eq!(body["status"], "succeeded", "{body}");
                ended = Some(Instant::now());
            }
        }
    }
    assert!(
        slowest < Duration::from_secs(1),
        "a request took {slowest:?} with 100 stream clients that never read"
    );
    // A client that reads gets the whole stream all the same.
    let kinds = reader.join().unwrap();
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("finished"),
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| *k == "file_done").count(), 99);
    drop(silent);
}

/// The `event:` names of a whole event stream, read to its end.
fn event_kinds(url: &str) -> Vec<String> {
    let response = ureq::get(url).call().unwrap();
    BufReader::new(response.into_body().into_reader())
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| line.strip_prefix("event: ").map(str::to_owned))
        .collect()
}

/// A server whose connections time out after `header` and `idle`.
fn timing_out(root: &Path, header: Duration, idle: Duration) -> Running {
    let mut config = config(root, None);
    config.header_timeout = header;
    config.idle_timeout = idle;
    Running::with(config)
}

/// Reads until the server closes the connection (or resets it); panics if
/// it is still open after 10 s. What was read.
fn until_closed(stream: &mut std::net::TcpStream) -> Vec<u8> {
    use std::io::Read;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut read = Vec::new();
    let mut buffer = [0; 1 << 16];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return read,
            Ok(n) => read.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return read,
            Err(e) => panic!("the connection is still open after 10 s ({e}); read {read:?}"),
        }
    }
}

/// 200 connections that sent half a request head stayed open for good.
#[test]
fn a_half_sent_header_is_closed_after_the_header_timeout() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let server = timing_out(
        root.path(),
        Duration::from_millis(300),
        Duration::from_secs(60),
    );
    let mut half: Vec<std::net::TcpStream> = (0..20)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
                .unwrap();
            stream
        })
        .collect();
    let silent = std::net::TcpStream::connect(server.addr).unwrap();
    for stream in half.iter_mut().chain([silent].iter_mut()) {
        let answer = until_closed(stream);
        assert!(
            !String::from_utf8_lossy(&answer).contains(" 200 "),
            "{answer:?}"
        );
    }
    // A whole head in time is answered as ever.
    let (status, health) = server.request("GET", "/healthz", None);
    assert_eq!(status, 200, "{health}");
}

/// A keep-alive connection waiting for its next request is closed once the
/// header timeout passes.
#[test]
fn idle_keep_alive_connections_are_closed() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let server = timing_out(
        root.path(),
        Duration::from_millis(300),
        Duration::from_secs(60),
    );
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let answer = String::from_utf8(until_closed(&mut stream)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.ends_with(r#""status":"ok","version":"0.1.0"}"#),
        "{answer}"
    );
}

/// A client that stops reading a response holds its connection only until
/// the idle timeout: nothing moved, nothing is left to wait for.
#[test]
fn a_response_nobody_reads_is_closed_after_the_idle_timeout() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let size = 64 << 20;
    std::fs::write(root.path().join("big.json"), vec![b' '; size]).unwrap();
    let server = timing_out(
        root.path(),
        Duration::from_secs(10),
        Duration::from_millis(300),
    );
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET /files/big.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    // Not read until the socket buffers have long been full.
    std::thread::sleep(Duration::from_secs(2));
    let read = until_closed(&mut stream);
    assert!(
        read.len() < size,
        "read {} bytes of {size}: the connection was not cut",
        read.len()
    );
}

/// A handler counts as busy, so a body that stops coming is timed by the
/// handler: a 408, not a connection held open.
#[test]
fn a_request_body_that_stops_coming_is_a_408() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let server = timing_out(
        root.path(),
        Duration::from_secs(10),
        Duration::from_millis(300),
    );
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"POST /coverage/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"dry_run\":")
        .unwrap();
    let answer = String::from_utf8(until_closed(&mut stream)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        answer.contains("the body did not arrive within 300ms"),
        "{answer}"
    );
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
}

/// An event stream that is read outlives the idle timeout many times over:
/// it moves bytes (events, or a comment when the job is quiet).
#[test]
fn an_event_stream_that_is_read_outlives_the_idle_timeout() {
    let root = tempfile::tempdir().unwrap();
    let server = timing_out(
        root.path(),
        Duration::from_secs(10),
        Duration::from_millis(200),
    );
    let (status, job) = server.request("POST", "/coverage/generate", Some(json!({"out": "full"})));
    assert_eq!(status, 202, "{job}");
    let started = Instant::now();
    let kinds = event_kinds(&server.url(&format!(
        "/coverage/jobs/{}/events",
        job["id"].as_str().unwrap()
    )));
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the job was too quick to tell"
    );
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("finished"),
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| *k == "file_done").count(), 99);
}

/// Shutdown waited for every connection, one that sent half a request head
/// included: for good before the header timeout, 10 s with it.
#[test]
fn shutdown_does_not_wait_for_a_half_sent_header() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let mut server = timing_out(
        root.path(),
        Duration::from_secs(120),
        Duration::from_secs(120),
    );
    let mut half = std::net::TcpStream::connect(server.addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        .unwrap();
    let (status, _) = server.request("GET", "/healthz", None);
    assert_eq!(status, 200);
    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "shutdown took {:?}",
        started.elapsed()
    );
    until_closed(&mut half);
}

/// The page took seeds up to 2^63 − 1 and the CLI up to 2^64 − 1: the API,
/// like the CLI and the page, takes 0 to 2^53 − 1 (what every JSON reader
/// holds exactly) and names that range.
#[tokio::test]
async fn seeds_have_one_range_the_json_numbers_every_reader_holds() {
    let root = tempfile::tempdir().unwrap();
    let max = ::coverage::MAX_SEED;
    assert_eq!(max, 9_007_199_254_740_991);
    let (status, _, _) = call(
        root.path(),
        None,
        get(&format!("/coverage/manifest?seed={max}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for request in [
        get(&format!("/coverage/manifest?seed={}", max + 1)),
        post(
            "/coverage/generate",
            format!("{{\"dry_run\":true,\"seed\":{}}}", max + 1),
        ),
    ] {
        let (status, problem, _) = call(root.path(), None, request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(
            problem["detail"], "'seed' must be a whole number from 0 to 9007199254740991",
            "{problem}"
        );
    }
}

/// A finished job's files come down as one tar whose tree is the job's
/// output directory (the lock file, the server's bookkeeping, aside): the
/// same paths and bytes. An unknown job is a 404, an unfinished one a 409,
/// a link put in place of a file is not followed, and another site is
/// refused.
#[test]
fn a_finished_jobs_archive_unpacks_to_its_output_tree() {
    let root = tempfile::tempdir().unwrap();
    let server = Running::start(root.path(), None);
    let body = json!({"domains": ["cart_management", "order_management"], "behaviors": ["multi_turn"], "out": "runs/a"});
    let (status, job) = server.request("POST", "/coverage/generate", Some(body));
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    let done = server.wait(&id);
    assert_eq!(done["status"], "succeeded", "{done}");

    let mut response = server
        .agent
        .get(server.url(&format!("/coverage/jobs/{id}/archive")))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        let value = response.headers().get(name);
        value
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "application/x-tar");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"coverage-{id}.tar\"")
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    let length: usize = header("content-length").parse().unwrap();
    let bytes = response.body_mut().read_to_vec().unwrap();
    assert_eq!(bytes.len(), length);

    // Unpacked by tar itself, as a user would.
    let download = tempfile::tempdir().unwrap();
    let archive = download.path().join("job.tar");
    std::fs::write(&archive, &bytes).unwrap();
    let unpacked = download.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let tar = std::process::Command::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(
        tar.status.success(),
        "{}",
        String::from_utf8_lossy(&tar.stderr)
    );
    let out = tree(&root.path().join("runs/a"));
    // Two domains, one behavior: two split pairs, two combined, one global
    // (each a dataset and a golden), and the manifest.
    assert_eq!(out.len(), 5 * 2 + 1, "{:?}", out.keys());
    assert!(
        tree(&unpacked) == out,
        "the archive's tree differs from the job's"
    );
    // As the issue checks it: `diff -r` finds nothing, the lock file (the
    // run's settings, which --resume checks) included.
    let diff = std::process::Command::new("diff")
        .arg("-r")
        .arg(&unpacked)
        .arg(root.path().join("runs/a"))
        .output()
        .unwrap();
    assert!(
        diff.status.success() && diff.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );

    let (status, problem) = server.request("GET", "/coverage/jobs/job-nope-1/archive", None);
    assert_eq!(status, 404, "{problem}");

    // A file swapped for a link since the job ended is not followed.
    let manifest = root.path().join("runs/a/commerce/manifest.json");
    std::fs::remove_file(&manifest).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", &manifest).unwrap();
    let (status, problem) = server.request("GET", &format!("/coverage/jobs/{id}/archive"), None);
    assert_eq!(status, 404, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("commerce/manifest.json"),
        "{problem}"
    );

    // A full run is still running when asked, then cancelled: 409 both times.
    let (_, job) = server.request("POST", "/coverage/generate", Some(json!({"out": "big"})));
    let big = job["id"].as_str().unwrap().to_owned();
    let (status, problem) = server.request("GET", &format!("/coverage/jobs/{big}/archive"), None);
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("still running"),
        "{problem}"
    );
    server.request("DELETE", &format!("/coverage/jobs/{big}"), None);
    assert_eq!(server.wait(&big)["status"], "cancelled");
    let (status, problem) = server.request("GET", &format!("/coverage/jobs/{big}/archive"), None);
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("cancelled"),
        "{problem}"
    );

    let foreign = format!(
        "GET /coverage/jobs/{id}/archive HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(raw_status(server.addr, &foreign), 403);
}
