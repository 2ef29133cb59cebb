// Drives Debian's chromium (/usr/bin/chromium) through playwright-core for holdgate's browser
// tests: reads a JSON script on stdin (or as argv[2]), runs its steps in order, prints one JSON
// object with every step's result and what the pages said (dialogs, console, page errors).
// Never downloads a browser. Bounded: the whole run stops at `timeout_ms` (default 60 s).
//
//   {"timeout_ms": 30000, "steps": [
//     {"op": "context", "name": "alice", "viewport": [390, 844]},  // new context + page, now current
//     {"op": "goto", "url": "http://127.0.0.1:8080/"},             // -> {status, url}
//     {"op": "fill", "selector": "textarea[name=reason]", "value": "ok"},
//     {"op": "click", "selector": "button[value=approve]"},
//     {"op": "expect_text", "selector": "main", "text": "Approved"},  // waits until it appears
//     {"op": "screenshot", "path": "/tmp/a.png", "full_page": true}]}
//
// Ops: context {name, viewport?, color_scheme?}, use {name}, viewport {size: [w, h]},
// goto {url}, reload, fill {selector, value}, click {selector}, press {selector, key},
// expect_text {selector, text}, expect_url {contains}, text {selector}, count {selector},
// box {selector}, evaluate {expression}, screenshot {path, full_page?}, wait {ms <= 10000}.
// Every step may carry timeout_ms (default 10 s) and expect_fail (the step must fail: then a
// failure is its success). The first failing step ends the run; the output says which.
// Output: {ok, failed_step, error, results: [{op, ok, value?, error?}], events: [{context,
// type: dialog|console|pageerror|requestfailed, text}]}. Exit 0 when ok, 1 when a step failed,
// 2 for a bad script or a browser that would not start, 3 on the overall timeout.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function readScript() {
  const text = process.argv[2] ?? readFileSync(0, "utf8");
  const script = JSON.parse(text);
  if (!script || !Array.isArray(script.steps)) throw new Error("the script needs a steps array");
  return script;
}

const out = { ok: false, failed_step: null, error: null, results: [], events: [] };
let browser = null;

function finish(code) {
  process.stdout.write(JSON.stringify(out) + "\n");
  const close = browser ? browser.close().catch(() => {}) : Promise.resolve();
  // A browser that will not close must not keep the run alive.
  Promise.race([close, new Promise((r) => setTimeout(r, 3000))]).then(() => process.exit(code));
}

function watch(name, page) {
  const note = (type, text) => out.events.push({ context: name, type, text: String(text) });
  page.on("dialog", (dialog) => {
    note("dialog", `${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on("console", (msg) => note("console", `${msg.type()}: ${msg.text()}`));
  page.on("pageerror", (error) => note("pageerror", error.message));
  page.on("requestfailed", (request) => {
    // An EventSource closed by a navigation is not a failure of the page.
    const failure = request.failure()?.errorText ?? "";
    if (failure !== "net::ERR_ABORTED") note("requestfailed", `${request.url()} ${failure}`);
  });
}

async function step(state, s) {
  const page = () => {
    if (!state.current) throw new Error("no context yet: start with {op: context}");
    return state.pages.get(state.current);
  };
  const timeout = s.timeout_ms ?? 10000;
  switch (s.op) {
    case "context": {
      const name = s.name ?? `context${state.pages.size + 1}`;
      const [width, height] = s.viewport ?? [1280, 800];
      const context = await browser.newContext({
        viewport: { width, height }, colorScheme: s.color_scheme ?? "light",
        serviceWorkers: "block", acceptDownloads: false,
      });
      context.setDefaultTimeout(timeout);
      const p = await context.newPage();
      watch(name, p);
      state.pages.set(name, p);
      state.current = name;
      return name;
    }
    case "use":
      if (!state.pages.has(s.name)) throw new Error(`no context named ${s.name}`);
      state.current = s.name;
      return s.name;
    case "viewport":
      await page().setViewportSize({ width: s.size[0], height: s.size[1] });
      return s.size;
    case "goto": {
      const response = await page().goto(s.url, { timeout, waitUntil: "load" });
      return { status: response ? response.status() : null, url: page().url() };
    }
    case "reload": {
      const response = await page().reload({ timeout, waitUntil: "load" });
      return { status: response ? response.status() : null, url: page().url() };
    }
    case "fill": await page().fill(s.selector, s.value, { timeout }); return null;
    case "click": await page().click(s.selector, { timeout }); return null;
    case "press": await page().press(s.selector, s.key, { timeout }); return null;
    case "expect_text":
      await page().waitForFunction(([sel, text]) => {
        const el = document.querySelector(sel);
        return el !== null && el.textContent.includes(text);
      }, [s.selector, s.text], { timeout, polling: 100 });
      return page().url();
    case "expect_url":
      await page().waitForURL((url) => url.href.includes(s.contains), { timeout });
      return page().url();
    case "text": return await page().locator(s.selector).first().innerText({ timeout });
    case "count": return await page().locator(s.selector).count();
    case "box": {
      const locator = page().locator(s.selector).first();
      const visible = await locator.isVisible();
      return { visible, ...(visible ? await locator.boundingBox({ timeout }) : {}) };
    }
    case "evaluate": return await page().evaluate(s.expression);
    case "screenshot":
      await page().screenshot({ path: s.path, fullPage: s.full_page ?? false, timeout });
      return s.path;
    case "wait":
      await new Promise((r) => setTimeout(r, Math.min(Number(s.ms) || 0, 10000)));
      return null;
    default:
      throw new Error(`unknown op ${JSON.stringify(s.op)}`);
  }
}

async function main() {
  let script;
  try {
    script = readScript();
  } catch (error) {
    out.error = `bad script: ${error.message}`;
    return finish(2);
  }
  const deadline = setTimeout(() => {
    out.error = `the run took longer than ${script.timeout_ms ?? 60000} ms`;
    finish(3);
  }, script.timeout_ms ?? 60000);
  try {
    browser = await chromium.launch({
      executablePath: process.env.HOLDGATE_CHROMIUM || "/usr/bin/chromium",
      args: CHROMIUM_ARGS, headless: true, timeout: 30000,
    });
  } catch (error) {
    clearTimeout(deadline);
    out.error = `chromium did not start: ${error.message}`;
    return finish(2);
  }
  const state = { pages: new Map(), current: null };
  for (const [index, s] of script.steps.entries()) {
    const result = { op: s.op };
    try {
      result.value = await step(state, s);
      result.ok = !s.expect_fail;
      if (s.expect_fail) result.error = "the step succeeded but was expected to fail";
    } catch (error) {
      result.ok = Boolean(s.expect_fail);
      result.error = error.message.split("\n")[0];
    }
    out.results.push(result);
    if (!result.ok) {
      out.failed_step = index;
      out.error = `step ${index} (${s.op}): ${result.error}`;
      clearTimeout(deadline);
      return finish(1);
    }
  }
  clearTimeout(deadline);
  out.ok = true;
  finish(0);
}

main();
