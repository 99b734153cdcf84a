// The Coverage Generator page. The server renders every part of the page;
// this script keeps the figures in step with the form by asking the API,
// runs and follows generation jobs, and opens scenarios. No framework and no
// build step: the binary compiles this file in and serves it as /ui/page.js.
"use strict";

(() => {
  const COUNT_DELAY_MS = 150;
  const COST_DELAY_MS = 400;
  const RETRY_MS = 2000;
  const MAX_VARIANTS = 10000;

  const $ = (id) => document.getElementById(id);
  const form = $("selection");
  const generateButton = $("generate-button");
  const cancelButton = $("cancel-button");
  const progress = $("progress");
  const show = (n) => new Intl.NumberFormat("en-US").format(n);
  // Dollars with cents and ratios as percents, as the server's templates
  // and the report write them (src/figures.rs: usd, percent).
  const cents = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const usd = (dollars) => {
    const rounded = Math.round(dollars * 100);
    return rounded < 1 && dollars > 0 ? "<$0.01" : `$${cents.format(rounded / 100)}`;
  };
  const percent = (ratio) => `${(ratio * 100).toFixed(2)}%`;
  // When the first live figures and estimate arrived (scripts/ui-load.py).
  const markOnce = (name) => performance.getEntriesByName(name).length || performance.mark(name);

  // ---- the API ------------------------------------------------------------

  let token = sessionStorage.getItem("coverage-token") || "";

  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    if (token) headers.set("Authorization", `Bearer ${token}`);
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) $("token-box").hidden = false;
    return response;
  }

  // The server's problem (application/problem+json) or a stand-in.
  async function problem(response) {
    try {
      const body = await response.json();
      return { ...body, message: body.detail || body.title || `HTTP ${response.status}` };
    } catch {
      return { message: `HTTP ${response.status} ${response.statusText}` };
    }
  }

  function useToken() {
    token = $("token").value.trim();
    sessionStorage.setItem("coverage-token", token);
    $("token-box").hidden = true;
    $("figures-heading").focus();
    refreshCounts();
    refreshCost();
  }
  $("token-save").addEventListener("click", useToken);
  $("token").addEventListener("keydown", (event) => {
    if (event.key === "Enter") useToken();
  });

  // ---- the selection ------------------------------------------------------

  const checked = (name) =>
    [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);

  function selection() {
    return {
      domains: checked("domains"),
      behaviors: checked("behaviors"),
      layouts: checked("layouts"),
      // JSON numbers take no leading zeros.
      seed: $("seed").value.trim().replace(/^0+(?=\d)/, ""),
      variants: $("variants").value.trim(),
      strength: $("strength").value,
      format: $("format").value,
      out: $("out").value.trim() || ".",
      overwrite: $("overwrite").checked,
    };
  }

  // Whether the server may be asked at all: an empty list means "all" to the
  // API, so an empty choice is answered here.
  function emptyChoice(s) {
    if (!s.domains.length) return "Choose at least one domain.";
    if (!s.behaviors.length) return "Choose at least one behavior.";
    if (!s.layouts.length) return "Choose at least one kind of file.";
    return "";
  }

  // A number field holding text reads as "": name the field, not the value.
  const shown = (id, value) => ($(id).validity.badInput || value === "" ? "" : ` '${value}'`);

  function badNumber(s) {
    // The server's range, from the field's `max` (2^53 - 1: a JS number holds it exactly).
    if (!/^\d+$/.test(s.seed) || !(Number(s.seed) <= Number($("seed").max))) {
      return `Seed${shown("seed", s.seed)} is not a whole number from 0 to ${$("seed").max}.`;
    }
    if (!/^\d+$/.test(s.variants) || +s.variants < 1 || +s.variants > MAX_VARIANTS) {
      return `Variants${shown("variants", s.variants)} is not a whole number from 1 to ${MAX_VARIANTS}.`;
    }
    return "";
  }

  function query(s, extra) {
    const q = new URLSearchParams(extra);
    q.set("domains", s.domains.join(","));
    q.set("behaviors", s.behaviors.join(","));
    q.set("layouts", s.layouts.join(","));
    q.set("seed", s.seed);
    q.set("variants", s.variants);
    if (s.strength) q.set("strength", s.strength);
    return q;
  }

  function showSelectionProblem(text) {
    const box = $("selection-error");
    box.textContent = text;
    box.hidden = !text;
  }

  // ---- live counts: debounced; only the newest request's answer shows ----

  let countTimer = 0;
  let countTicket = 0;

  function scheduleCounts() {
    clearTimeout(countTimer);
    countTimer = setTimeout(refreshCounts, COUNT_DELAY_MS);
  }

  // Whether the figures are current: "ready", "loading", "invalid" (a bad
  // value in the form) or "error" (the server said no). Stale figures are
  // dimmed; tests wait on it.
  function figuresState(state) {
    $("figures").dataset.state = state;
    document.body.dataset.figures = state;
  }

  async function refreshCounts() {
    const ticket = ++countTicket;
    clearTimeout(countTimer);
    const s = selection();
    const empty = emptyChoice(s);
    const bad = empty || badNumber(s);
    showSelectionProblem(bad);
    canGenerate = false;
    updateButtons();
    if (empty) {
      applyDryRun(null);
      return figuresState("invalid");
    }
    if (bad) return figuresState("invalid");
    figuresState("loading");
    let answer;
    try {
      const q = query(s, { dry_run: "true", format: s.format, out: s.out });
      const response = await api(`/coverage/generate?${q}`);
      answer = response.ok ? { dry: await response.json() } : { error: await problem(response) };
    } catch (error) {
      answer = { error: { message: `The server did not answer (${error.message}); trying again…` }, retry: true };
    }
    if (ticket !== countTicket) return; // a newer selection was asked for
    if (answer.error) {
      showSelectionProblem(answer.error.message);
      figuresState("error");
      if (answer.retry) countTimer = setTimeout(refreshCounts, RETRY_MS);
      return;
    }
    const dry = answer.dry;
    applyDryRun(dry);
    figuresState("ready");
    markOnce("coverage:figures");
    if (dry.conversations > dry.max_conversations) {
      showSelectionProblem(
        `A run would write ${show(dry.conversations)} conversations, over this server's limit of ` +
          `${show(dry.max_conversations)} (coverage serve --max-conversations): choose fewer variants, files or domains.`,
      );
    } else {
      canGenerate = true;
    }
    updateButtons();
    // The open cell was listed for another seed: list it again for this one.
    const open = $("cell-list").querySelector("[data-seed]");
    if (open && open.dataset.seed !== s.seed) openCell(open.dataset.domain, open.dataset.behavior, false);
  }

  // The same five shades as the server's `heat`.
  const heat = (count, max) =>
    count === 0 || max === 0 ? 0 : Math.min(5, Math.max(1, Math.ceil((count * 5) / max)));

  function setFigure(id, n) {
    document.querySelector(`[data-testid="${id}"]`).textContent = show(n);
  }

  // Puts a dry run's figures (or, for null, an empty selection's) in place.
  function applyDryRun(dry) {
    const totals = dry ? dry.totals : { raw: 0, kept: 0, excluded: 0 };
    setFigure("kept-count", totals.kept);
    setFigure("excluded-count", totals.excluded);
    setFigure("raw-count", totals.raw);
    setFigure("unique-count", dry ? dry.unique_conversations : 0);
    setFigure("conversation-count", dry ? dry.conversations : 0);
    setFigure("file-count", dry ? dry.files.length : 0);
    showSubset(dry && dry.subset);

    const kept = new Map((dry ? dry.pairs : []).map((p) => [`${p.domain}/${p.behavior}`, p.kept]));
    const max = Math.max(0, ...kept.values());
    for (const cell of document.querySelectorAll("button.cell")) {
      const n = kept.get(`${cell.dataset.domain}/${cell.dataset.behavior}`);
      const selected = n !== undefined;
      cell.className = `cell heat-${selected ? heat(n, max) : 0}${selected ? "" : " off"}`;
      cell.textContent = selected ? show(n) : "—";
      cell.setAttribute("aria-label", `${cell.dataset.label}: ${selected ? `${n} kept` : "not selected"}`);
    }

    const removed = new Map((dry ? dry.rules : []).map((r) => [r.id, r.removed]));
    for (const row of document.querySelectorAll("tr[data-rule]")) {
      const n = removed.get(row.dataset.rule) || 0;
      row.querySelector('[data-role="removed"]').textContent = show(n);
      row.classList.toggle("idle", n === 0);
    }
    listPlannedFiles(dry ? dry.files : []);
  }

  function row(cells, className) {
    const tr = document.createElement("tr");
    if (className) tr.className = className;
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }

  function listPlannedFiles(files) {
    const rows = files.map((f) =>
      row([f.path, f.layout, show(f.conversations), f.exists ? "exists" : "new"], f.exists ? "exists" : ""),
    );
    if (!rows.length) rows.push(row(["No files: the selection is empty.", "", "", ""]));
    $("planned-files").replaceChildren(...rows);
  }

  // ---- the cost estimate ----------------------------------------------------

  let costTimer = 0;
  let costTicket = 0;
  let costController = null;

  function scheduleCost() {
    clearTimeout(costTimer);
    $("cost-status").textContent = "Estimating…";
    costTimer = setTimeout(refreshCost, COST_DELAY_MS);
  }

  async function refreshCost() {
    const ticket = ++costTicket;
    costController?.abort();
    const s = selection();
    const bad = emptyChoice(s) || badNumber(s);
    if (bad) {
      fillCost(null);
      $("cost-status").textContent = bad;
      $("cost").dataset.state = "invalid";
      return;
    }
    $("cost").dataset.state = "loading";
    costController = new AbortController();
    let answer;
    try {
      const q = query(s, { model: $("model").value });
      const response = await api(`/coverage/cost?${q}`, { signal: costController.signal });
      answer = response.ok ? { estimate: await response.json() } : { error: await problem(response) };
    } catch (error) {
      if (error.name === "AbortError") return;
      answer = { error: { message: `The server did not answer (${error.message}); trying again…` }, retry: true };
    }
    if (ticket !== costTicket) return;
    if (answer.error) {
      fillCost(null);
      $("cost-status").textContent = answer.error.message;
      $("cost").dataset.state = "error";
      if (answer.retry) costTimer = setTimeout(refreshCost, RETRY_MS);
      return;
    }
    const model = answer.estimate.models[0];
    fillCost(model);
    $("cost").dataset.state = "ready";
    markOnce("coverage:cost");
    $("cost-status").textContent =
      `Tokenizer ${model.tokenizer}${model.approximate ? " (approximate for this model)" : ""}; ` +
      `${usd(model.input_per_million)} / ${usd(model.output_per_million)} per million tokens in / out.`;
  }

  function fillCost(model) {
    for (const tr of document.querySelectorAll("tr[data-cost]")) {
      const id = tr.dataset.cost;
      // One pass, each layout's figures beside its id (a layout not chosen
      // has none), then every layout together.
      const layout = model && model.layouts.find((l) => l.layout === id);
      const figures = !model ? null : id === "total" ? model.total : id === "one_pass" ? model.one_pass : layout;
      for (const cell of tr.querySelectorAll("[data-field]")) {
        const value = figures ? figures[cell.dataset.field] : null;
        if (value === null || value === undefined) cell.textContent = "—";
        else if (cell.dataset.field === "cost") cell.textContent = usd(value);
        else cell.textContent = show(value);
      }
    }
  }

  // ---- the scenario browser ------------------------------------------------

  let browseTicket = 0;

  // An HTML fragment rendered (and escaped) by the server, or its problem.
  async function fragment(path) {
    try {
      const response = await api(path);
      if (response.ok) return { html: await response.text() };
      return { error: (await problem(response)).message };
    } catch (error) {
      return { error: `The server did not answer: ${error.message}` };
    }
  }

  function place(target, answer) {
    if (answer.html !== undefined) {
      target.innerHTML = answer.html;
    } else {
      const p = document.createElement("p");
      p.className = "alert";
      p.setAttribute("role", "alert");
      p.textContent = answer.error;
      target.replaceChildren(p);
    }
  }

  const browseSeed = () => {
    const s = selection();
    return /^\d+$/.test(s.seed) ? s.seed : "42";
  };

  async function openCell(domain, behavior, focus = true) {
    const ticket = ++browseTicket;
    const answer = await fragment(`/ui/cells/${domain}/${behavior}?seed=${browseSeed()}`);
    if (ticket !== browseTicket) return;
    // The same cell listed again (another seed) keeps what was typed.
    const open = $("cell-list").querySelector("[data-seed]");
    const same = open && open.dataset.domain === domain && open.dataset.behavior === behavior;
    const typed = same && $("cell-filter") ? $("cell-filter").value : "";
    $("browser-hint").hidden = true;
    place($("cell-list"), answer);
    $("scenario-view").replaceChildren();
    if (typed && $("cell-filter")) {
      $("cell-filter").value = typed;
      filterCell(typed);
    }
    if (focus) ($("cell-heading") || $("browser-heading")).focus();
  }

  // Shows the kept scenarios whose id, bins and expected decision hold
  // every word typed, in any order.
  function filterCell(text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = [...$("cell-list").querySelectorAll("tr[data-filter]")];
    let shown = 0;
    for (const row of rows) {
      const haystack = row.dataset.filter.toLowerCase();
      row.hidden = !words.every((word) => haystack.includes(word));
      if (!row.hidden) shown += 1;
    }
    $("cell-filter-count").textContent = `${shown} of ${rows.length} shown`;
    document.querySelector("[data-testid='cell-filter-none']").hidden = shown > 0;
  }

  async function openScenario(button) {
    const ticket = ++browseTicket;
    const id = button.dataset.scenario;
    // The seed the list was made for: a scenario kept under one seed may be
    // excluded under another.
    const seed = button.closest("[data-seed]").dataset.seed;
    const answer = await fragment(`/ui/scenarios/${encodeURIComponent(id)}?seed=${seed}`);
    if (ticket !== browseTicket) return;
    for (const other of $("cell-list").querySelectorAll("[aria-current]")) {
      other.removeAttribute("aria-current");
    }
    button.setAttribute("aria-current", "true");
    place($("scenario-view"), answer);
    $("scenario-heading")?.focus();
  }

  $("grid").addEventListener("click", (event) => {
    const cell = event.target.closest("button.cell");
    if (cell) openCell(cell.dataset.domain, cell.dataset.behavior);
  });
  $("cell-list").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-scenario]");
    if (button) openScenario(button);
  });
  $("cell-list").addEventListener("input", (event) => {
    if (event.target.id === "cell-filter") filterCell(event.target.value);
  });

  // ---- generate and save ----------------------------------------------------

  let running = null; // { id, out, total, done, controller, cancelled }
  let starting = false; // a POST is on its way
  let canGenerate = false; // the figures are current and under the limit

  function updateButtons() {
    generateButton.disabled = starting || running !== null || !canGenerate;
    cancelButton.disabled = running === null || running.cancelled;
  }

  function jobStatus(text) {
    $("job-status").textContent = text;
  }

  function setRunning(job) {
    running = job;
    starting = false;
    updateButtons();
    if (job === null) refreshCounts(); // files on disk changed
  }

  function showRefusal(refusal) {
    $("refusal-message").textContent = refusal ? refusal.message : "";
    $("overwrite-button").hidden = !refusal || refusal.field !== "overwrite";
    $("refusal").hidden = !refusal;
  }

  // A covering subset's size, its t-way coverage and what one run costs.
  function showSubset(subset) {
    const box = document.querySelector('[data-testid="subset-box"]');
    box.hidden = !subset;
    if (!subset) return;
    const c = subset.combinations;
    const cost = subset.cost ? `; one run on ${subset.cost.model} ≈ ${usd(subset.cost.cost_usd)}` : "";
    document.querySelector('[data-testid="subset-figures"]').textContent =
      `${show(subset.size)} scenarios (lower bound ${show(subset.lower_bound)}) covering ` +
      `${show(c.covered)} of ${show(c.coverable)} coverable ${subset.strength}-way combinations ` +
      `(${percent(subset.coverage)}); ${show(c.excluded_by_rule)} excluded by rule${cost}`;
  }

  async function startJob(overwrite) {
    const s = selection();
    const bad = emptyChoice(s) || badNumber(s);
    if (bad) return jobStatus(bad);
    if (starting || running) return;
    showRefusal(null);
    $("written").hidden = true;
    $("written-files").replaceChildren();
    progress.value = 0;
    progress.removeAttribute("data-state");
    starting = true;
    updateButtons();
    jobStatus("Starting…");
    const request = {
      domains: s.domains,
      behaviors: s.behaviors,
      layouts: s.layouts,
      format: s.format,
      out: s.out,
      variants: +s.variants,
      overwrite,
      ...(s.strength ? { strength: +s.strength } : {}),
      seed: Number(s.seed),
    };
    const body = JSON.stringify(request);
    let response;
    try {
      response = await api("/coverage/generate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
    } catch (error) {
      starting = false;
      updateButtons();
      return jobStatus(`The server did not answer: ${error.message}`);
    }
    if (!response.ok) {
      const refusal = await problem(response);
      starting = false;
      updateButtons();
      if (response.status === 409) {
        showRefusal(refusal);
        return jobStatus("Refused: nothing was written.");
      }
      return jobStatus(refusal.message);
    }
    const job = await response.json();
    const following = {
      id: job.id,
      out: s.out,
      total: 0,
      done: 0,
      cancelled: false,
      controller: new AbortController(),
    };
    setRunning(following);
    jobStatus(`Job ${job.id} started.`);
    follow(following);
  }

  // Server-sent events read over fetch, so that a token can go along.
  async function follow(job) {
    try {
      const response = await api(`/coverage/jobs/${job.id}/events`, { signal: job.controller.signal });
      if (!response.ok) throw new Error((await problem(response)).message);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (message && onJobEvent(job, message.event, message.data)) {
            job.controller.abort();
            return;
          }
        }
      }
      jobStatus(`The event stream of job ${job.id} ended early; see GET /coverage/jobs/${job.id}.`);
    } catch (error) {
      if (error.name !== "AbortError") jobStatus(`Lost job ${job.id}: ${error.message}`);
    } finally {
      if (running === job) setRunning(null);
    }
  }

  function parseEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return data.length ? { event, data: JSON.parse(data.join("\n")) } : null; // null: a keep-alive
  }

  // Returns true when the job has ended.
  function onJobEvent(job, kind, data) {
    switch (kind) {
      case "planned":
        job.total = data.conversations;
        progress.max = Math.max(job.total, 1);
        progress.value = 0;
        jobStatus(`Writing ${show(data.files)} files, ${show(job.total)} conversations…`);
        return false;
      case "progress":
        job.done += data.conversations;
        progress.value = job.done;
        jobStatus(`${show(job.done)} of ${show(job.total)} conversations…`);
        return false;
      case "finished": {
        progress.value = progress.max;
        progress.dataset.state = "done";
        const files = data.report.files;
        const unchanged = files.filter((f) => f.status === "unchanged").length;
        jobStatus(
          `Done: ${show(files.length - unchanged)} written, ${show(unchanged)} unchanged, ` +
            `${show(data.report.kept)} scenarios in '${data.report.out}'.`,
        );
        listWritten(job.id, data.report);
        return true;
      }
      case "error": {
        progress.dataset.state = "failed";
        const detail = data.detail || data.title || "the job failed";
        // A job the user did not cancel ends cancelled when the server stops.
        const stopped = !job.cancelled && data.status === 409;
        jobStatus(
          job.cancelled
            ? `Cancelled: ${detail}`
            : stopped
              ? `The server stopped the job (it is shutting down): ${detail}`
              : detail,
        );
        return true;
      }
      default:
        return false; // file_started, file_done: the bar moves on progress
    }
  }

  const fileUrl = (out, path) =>
    "/files/" +
    (out === "." ? path : `${out}/${path}`).split("/").map(encodeURIComponent).join("/");

  // Text that may wrap after each `/` and `.` (a path of ids), never
  // inside a word.
  function breakable(text) {
    const parts = text.split(/(?<=[/.])/);
    return parts.flatMap((part, i) => (i ? [document.createElement("wbr"), part] : [part]));
  }

  function link(out, path, status) {
    const a = document.createElement("a");
    a.href = fileUrl(out, path);
    // Its folders in its name: two domains' files never collide.
    a.download = path.replaceAll("/", "_");
    a.append(...breakable(path));
    a.dataset.testid = "file-link";
    a.dataset.status = status;
    return a;
  }

  function badge(status) {
    const span = document.createElement("span");
    span.className = `badge ${status}`;
    span.textContent = status === "unchanged" ? "unchanged" : "written";
    return span;
  }

  // One archive of the job's files, paths kept; then, folded, every
  // written file: each dataset with its golden (and sidecars), then the
  // manifest of the run.
  function listWritten(jobId, report) {
    const count = report.files.reduce((n, f) => n + 2 + (f.meta_paths || []).length, 1);
    const archive = $("archive-link");
    archive.href = `/coverage/jobs/${encodeURIComponent(jobId)}/archive`;
    archive.download = `coverage-${jobId}.tar`;
    $("archive-note").textContent =
      `(.tar of ${show(count)} files, folders kept: \`tar -xf\` gives the tree of '${report.out}')`;
    $("written-summary").textContent = `Each of the ${show(count)} files on its own`;
    $("written").hidden = false;
    const items = [];
    for (const file of report.files) {
      const li = document.createElement("li");
      for (const path of [file.path, file.golden_path, ...(file.meta_paths || [])]) {
        li.append(link(report.out, path, file.status), " ");
      }
      li.append(badge(file.status), ` ${show(file.conversations)} conversations`);
      items.push(li);
    }
    const manifest = document.createElement("li");
    manifest.append(
      link(report.out, report.manifest_path, report.manifest_status),
      " ",
      badge(report.manifest_status),
      " the manifest: every kept scenario and why the rest are excluded",
    );
    items.push(manifest);
    $("written-files").replaceChildren(...items);
  }

  // With a token, a plain link cannot carry it: fetch the file (or the
  // archive) and save it.
  $("written").addEventListener("click", async (event) => {
    const link = event.target.closest("a[href]");
    if (!link || !token) return;
    event.preventDefault();
    const response = await api(link.getAttribute("href"));
    if (!response.ok) return jobStatus((await problem(response)).message);
    const url = URL.createObjectURL(await response.blob());
    const save = document.createElement("a");
    save.href = url;
    save.download = link.download;
    save.click();
    URL.revokeObjectURL(url);
  });

  async function cancelJob() {
    if (!running) return;
    running.cancelled = true;
    updateButtons();
    jobStatus("Cancelling…");
    const response = await api(`/coverage/jobs/${running.id}`, { method: "DELETE" });
    if (!response.ok && response.status !== 409) jobStatus((await problem(response)).message);
  }

  generateButton.addEventListener("click", () => startJob($("overwrite").checked));
  // Overwrites this once; the box is left as the user set it.
  $("overwrite-button").addEventListener("click", () => startJob(true));
  cancelButton.addEventListener("click", cancelJob);

  // ---- wiring ---------------------------------------------------------------

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-select]");
    if (!button) return;
    for (const box of form.querySelectorAll(`input[name="${button.dataset.select}"]`)) {
      box.checked = button.dataset.to === "all";
    }
    scheduleCounts();
    scheduleCost();
  });

  // What each control changes: counts, the cost, or both.
  const affectsCost = new Set(["domains", "behaviors", "layouts", "seed", "variants", "model"]);
  const affectsCounts = new Set(["domains", "behaviors", "layouts", "seed", "variants", "strength", "format", "out"]);
  function onEdit(event) {
    const name = event.target.name;
    if (affectsCounts.has(name)) scheduleCounts();
    if (affectsCost.has(name)) scheduleCost();
  }
  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);

  refreshCounts();
  refreshCost();
})();
