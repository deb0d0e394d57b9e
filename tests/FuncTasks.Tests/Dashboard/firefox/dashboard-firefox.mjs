// Goes through the FuncTasks dashboard in Firefox, driven over WebDriver BiDi by puppeteer-core (no browser download:
// it runs the Firefox it is given). The same flows and selectors as the Chromium tests next to it (Dashboard*Tests.cs).
// DashboardFirefoxTests starts the app, seeds the data and runs this; by hand, against an app with that data:
//
//   node dashboard-firefox.mjs --dashboard http://127.0.0.1:PORT/api/dashboard --key KEY --firefox /usr/bin/firefox-esr \
//     --job JOB --task TASK --schedule SCHEDULE [--orphan TASK]
//
// --job: a completed job of --task, a shell task whose command prints "first line", waits and prints "last line";
// --schedule: a schedule of a task, "@yearly" in Europe/Berlin; --orphan: a function task whose function is gone.
// Prints a line per check, and exits 1 when a check fails or a page logs a script error.
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const { values: args } = parseArgs({
  options: {
    dashboard: { type: 'string' }, key: { type: 'string' }, firefox: { type: 'string' },
    job: { type: 'string' }, task: { type: 'string' }, schedule: { type: 'string' }, orphan: { type: 'string' },
  },
});
for (const name of ['dashboard', 'key', 'firefox', 'job', 'task', 'schedule']) {
  if (!args[name]) { console.error(`dashboard-firefox: --${name} is required (see the top of this file)`); process.exit(2); }
}

const TIMEOUT = 15_000;
const api = new URL('./', args.dashboard); // the page is <base>/api/dashboard: the API is <base>/api/
const results = [];
const scriptErrors = [];
const requests = []; // {page, url, key}: what each page sent
let current = 'start';

// ---- Pages: each in a browser context of its own (its own session storage), watched for script errors.

const browser = await puppeteer.launch({
  browser: 'firefox', executablePath: args.firefox, headless: true,
  // A fresh profile: no first-run pages, no update checks; downloads and prompts out of the way.
  extraPrefsFirefox: { 'browser.download.dir': '/tmp', 'browser.download.folderList': 2, 'intl.accept_languages': 'en-GB' },
});
const version = await browser.version();

async function open({ width = 1280, height = 800, signedIn = true } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.setViewport({ width, height });
  page.on('pageerror', (error) => scriptErrors.push(`[${current}] uncaught: ${error.message ?? error}`));
  page.on('console', (message) => {
    if (message.type() === 'error') { scriptErrors.push(`[${current}] console.error: ${message.text()}`); }
  });
  page.on('request', (request) => requests.push({ page, url: request.url(), key: request.headers()['x-functions-key'] }));
  await page.evaluateOnNewDocument(pageHelpers);
  await page.goto(signedIn ? `${args.dashboard}#code=${encodeURIComponent(args.key)}` : args.dashboard);
  if (signedIn) { await heading(page, 'Overview'); }
  return page;
}

// ---- Waiting and acting: conditions are functions run in the page, polled until they hold.

/** Waits until fn(...fnArgs), run in the page, returns something truthy; returns it (an element handle for an element). */
async function until(page, what, fn, ...fnArgs) {
  try {
    const handle = await page.waitForFunction(fn, { timeout: TIMEOUT, polling: 100 }, ...fnArgs);
    return handle.asElement() ?? handle;
  } catch (error) {
    const where = await page.evaluate(() => `at ${location.hash}, the focus on ${document.activeElement?.outerHTML.slice(0, 80)}`).catch(() => '');
    throw new Error(`${what}: not within ${TIMEOUT / 1000} s ${where} (${error.message.split('\n')[0]})`);
  }
}

const heading = (page, text) => until(page, `the heading "${text}"`,
  (t) => [...document.querySelectorAll('main h1')].find((h) => h.textContent.trim() === t && h.getClientRects().length > 0), text);

/** Clicks what fn finds; a live refresh can replace it between finding and clicking, so it looks again once. */
async function click(page, what, fn, ...fnArgs) {
  for (let attempt = 1; ; attempt++) {
    const element = await until(page, what, fn, ...fnArgs);
    try {
      await element.click();
      return;
    } catch (error) {
      if (attempt === 3) { throw new Error(`${what}: could not click it (${error.message})`); }
    }
  }
}

/**
 * Helpers for the conditions, defined in each page before its scripts run (the page's CSP allows no eval):
 * byText(selector, text, scope): the first visible element matching selector whose trimmed text is text;
 * inRow(text, selector): the table row whose text contains text, or the element selector in it.
 */
function pageHelpers() {
  window.byText = (selector, text, scope) => {
    const root = scope ? document.querySelector(scope) : document;
    return [...(root?.querySelectorAll(selector) ?? [])].find((e) => e.textContent.trim() === text && e.getClientRects().length > 0);
  };
  window.inRow = (text, selector) => {
    const row = [...document.querySelectorAll('table.list tr')].find((r) => r.textContent.includes(text));
    return selector ? row?.querySelector(selector) : row;
  };
}

const button = (page, text, scope) => click(page, `the button "${text}"`, (t, s) => byText('button', t, s), text, scope);

const navLink = (page, text) => click(page, `the nav link ${text}`, (t) => byText('a', t, 'nav'), text);

async function fill(page, selector, text) {
  const element = await until(page, `the field ${selector}`, (s) => document.querySelector(s), selector);
  await element.evaluate((e) => { e.value = ''; });
  await element.type(text);
}

const route = (page, hash) => page.evaluate((h) => { location.hash = h; }, hash);

const textOf = (page, selector) => page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);

async function apiGet(path) {
  const response = await fetch(new URL(path, api), { headers: { 'x-functions-key': args.key } });
  return { status: response.status, body: response.status === 200 ? await response.json() : null };
}

function expect(condition, message) {
  if (!condition) { throw new Error(message); }
}

async function check(name, body) {
  current = name;
  const started = Date.now();
  const errorsBefore = scriptErrors.length;
  try {
    await body();
    expect(scriptErrors.length === errorsBefore, `script errors: ${scriptErrors.slice(errorsBefore).join(' | ')}`);
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${error.message}`);
  }
}

/**
 * Presses Tab (Shift+Tab with back) until fn's element has the focus, at most 60 times: it is reachable by keyboard.
 * The document must keep the focus: past the last element Firefox moves it to its own toolbar, where Chromium's
 * headless shell wraps to the page's top, so what is above the focus is reached backwards, as a user would.
 */
async function tabTo(page, what, fn, { back = false } = {}, ...fnArgs) {
  for (let i = 0; i < 60; i++) {
    const target = await page.evaluateHandle(fn, ...fnArgs);
    if (await page.evaluate((t) => Boolean(t) && t === document.activeElement && document.hasFocus(), target)) { return; }
    if (back) { await page.keyboard.down('Shift'); }
    await page.keyboard.press('Tab');
    if (back) { await page.keyboard.up('Shift'); }
  }
  throw new Error(`${back ? 'Shift+Tab' : 'Tab'} never reached ${what} (the focus is on ${await page.evaluate(() => `${document.activeElement?.outerHTML.slice(0, 80)}${document.hasFocus() ? '' : ', outside the page'}`)})`);
}

const focusedHeading = (page, text) => until(page, `the focus on the heading "${text}"`,
  (t) => document.activeElement?.tagName === 'H1' && document.activeElement.textContent.includes(t), text);

// ---- The checks. State they share: the main page (signed in at 1280x800), the task created through the form.

let main;
let functionTask = null;

await check('a wrong key shows the clear message; the right one opens the overview', async () => {
  const page = await open({ signedIn: false });
  await heading(page, 'Sign in to the dashboard');
  await fill(page, '#signin-function_key', 'not-the-key');
  await button(page, 'Sign in');
  await until(page, 'the refusal message', () => {
    const message = document.querySelector('.signin-message[role=alert]')?.textContent ?? '';
    return message.includes('refused the function key') && message.includes('HTTP 401');
  });
  await heading(page, 'Sign in to the dashboard');
  await fill(page, '#signin-function_key', args.key);
  await button(page, 'Sign in');
  await heading(page, 'Overview');
  await until(page, 'the gate limit', () => /^\d+$/.test(document.querySelector('[data-gate=limit]')?.textContent ?? ''));
});

await check('a #code= link signs in and leaves the address bar; the key travels only in headers', async () => {
  main = await open();
  const url = main.url();
  expect(!url.includes(args.key) && url.endsWith('/api/dashboard#/'), `the address bar shows ${url}`);
  expect(await main.evaluate(() => sessionStorage.getItem('functasks.functionKey')) === args.key, 'the key is not in session storage');
});

await check('overview: the last hour\'s counts and chart, the gate, health, the most recent jobs', async () => {
  await until(main, 'a completed job counted', () => Number(document.querySelector('[data-count=completed]')?.textContent) >= 1);
  await until(main, 'the chart\'s label', () => /\d+ completed, \d+ failed/.test(document.querySelector('.chart svg[role=img]')?.getAttribute('aria-label') ?? ''));
  await until(main, 'a bar in the chart', () => document.querySelector('rect.bar.completed'));
  await until(main, 'the gate', () => ['limit', 'in_use', 'waiting'].every((k) => /^\d+$/.test(document.querySelector(`[data-gate=${k}]`)?.textContent ?? '')));
  await until(main, 'health in the header', () => document.querySelector('#health')?.textContent === 'Healthy');
  await until(main, 'the health panel\'s checks', () => document.querySelector('[aria-labelledby=h-health]')?.textContent.includes('tables'));
  await until(main, 'the run-time percentiles', () => document.querySelector('p.durations')?.textContent.includes('p50'));
  await until(main, 'the seeded job among the most recent', (id) => byText('a.id', id), args.job);
});

await check('the nav reaches every view', async () => {
  for (const [link, title] of [['Jobs', 'Jobs'], ['Tasks', 'Tasks'], ['Schedules', 'Schedules'], ['Functions', 'Registered functions'], ['Orphaned', 'Orphaned tasks'], ['Overview', 'Overview']]) {
    await navLink(main, link);
    await heading(main, title);
    await until(main, `the ${link} view's content`, () => document.querySelector('main table.list, main p.empty, main .grid'));
  }
});

await check('jobs: the list shows the seeded job; its detail has the timeline, output, result and Cancel/Rerun/Delete', async () => {
  await route(main, '#/jobs');
  await heading(main, 'Jobs');
  await click(main, 'the seeded job in the list', (id) => document.querySelector(`table.list a.id[data-key="job-${id}"]`), args.job);
  await until(main, 'the job\'s heading', (id) => document.querySelector('main h1')?.textContent.includes(id), args.job);
  await until(main, 'the status completed', () => document.querySelector('.job-head .badge')?.textContent === 'completed');
  for (const step of ['submitted_at', 'permit_requested_at', 'permit_granted_at', 'started_at', 'finished_at']) {
    await until(main, `the timeline's ${step}`, (s) => /^\d{4}-\d\d-\d\dT/.test(document.querySelector(`[data-step=${s}] time`)?.getAttribute('datetime') ?? ''), step);
  }
  expect((await textOf(main, '[data-step=scheduled_for]')).includes('—'), 'scheduled_for is not empty');
  await until(main, 'the output', () => /first line[^]*last line/.test(document.querySelector('pre.output')?.textContent ?? ''));
  await until(main, 'the result', () => document.querySelector('[aria-labelledby=h-result]')?.textContent.includes('Exit code 0'));
  await until(main, 'an artifact to download', () => byText('button', 'Download', '[aria-labelledby=h-artifacts]'));
  const states = await main.evaluate(() => Object.fromEntries(['Cancel', 'Rerun', 'Delete'].map((t) => {
    const b = [...document.querySelectorAll('.toolbar button')].find((e) => e.textContent === t);
    return [t, b ? (b.disabled ? 'disabled' : 'enabled') : 'missing'];
  })));
  expect(states.Cancel === 'disabled' && states.Rerun === 'enabled' && states.Delete === 'enabled', `buttons: ${JSON.stringify(states)}`);
});

await check('a job: Delete asks in a dialog, Cancel there keeps the job', async () => {
  await button(main, 'Delete', '.toolbar');
  await until(main, 'the dialog', (id) => document.querySelector('dialog[open]')?.textContent.includes(`Delete job ${id}?`), args.job);
  await button(main, 'Cancel', 'dialog');
  await until(main, 'the dialog closed', () => !document.querySelector('dialog[open]'));
  expect((await apiGet(`v1/jobs/${args.job}`)).status === 200, 'the job is gone');
});

await check('a job: Rerun starts a new job that links back, followed live (output while it runs) until it ends', async () => {
  await button(main, 'Rerun', '.toolbar');
  const rerun = await until(main, 'the rerun\'s page', (id) => {
    const m = /#\/jobs\/([0-9A-Z]{26})$/.exec(location.hash);
    return m && m[1] !== id && document.querySelector('main h1')?.textContent.includes(m[1]) ? m[1] : null;
  }, args.job).then((h) => h.jsonValue());
  await until(main, 'the link to the job it reruns', (id) => byText('a', id, '.job-head'), args.job);
  await until(main, 'the status running', () => document.querySelector('.job-head .badge')?.textContent === 'running');
  await until(main, 'the first line while it runs', () => document.querySelector('pre.output .stdout')?.textContent.includes('first line')
    && document.querySelector('.job-head .badge')?.textContent === 'running');
  await until(main, 'the status completed', () => document.querySelector('.job-head .badge')?.textContent === 'completed');
  await until(main, 'the whole output', () => /first line[^]*last line/.test(document.querySelector('pre.output')?.textContent ?? ''));
  const record = (await apiGet(`v1/jobs/${rerun}`)).body;
  expect(record?.rerun_of === args.job, `the rerun's record: ${JSON.stringify(record)}`);
});

await check('tasks: a refused create shows the problem; a task is created through the form', async () => {
  await route(main, '#/tasks');
  await heading(main, 'Tasks');
  await click(main, 'the link New task', () => byText('a', 'New task'));
  await heading(main, 'New task');
  await main.select('select[aria-label="Registered functions"]', 'greet_user');
  await until(main, 'the command filled in', () => document.querySelector('textarea[name=command]')?.value === 'greet_user');
  await fill(main, 'textarea[name=params]', '{"name": "Ada"}');
  await fill(main, 'input[name=tags]', 'firefox, not ok');
  await button(main, 'Create');
  await until(main, 'the refusal', () => document.querySelector('.alert.error .alert-title')?.textContent === 'The request is not valid'
    && document.querySelector('.alert.error')?.textContent.includes('tags'));
  await until(main, 'the tags field marked', () => document.querySelector('input[name=tags]')?.getAttribute('aria-invalid') === 'true');
  await fill(main, 'input[name=tags]', 'firefox, ui');
  await button(main, 'Create');
  functionTask = await until(main, 'the task created', () => /Task ([0-9A-Z]{26}) created/.exec(document.querySelector('.alert.done')?.textContent ?? '')?.[1])
    .then((h) => h.jsonValue());
  await heading(main, 'Tasks');
  await until(main, 'its row, enabled', (id) => inRow(id, '.badge')?.textContent === 'enabled', functionTask);
  const task = (await apiGet(`v1/tasks/${functionTask}`)).body;
  expect(task?.command === 'greet_user' && task.task_type === 'function' && task.params?.name === 'Ada' && task.tags?.join() === 'firefox,ui',
    `the task: ${JSON.stringify(task)}`);
});

await check('tasks: executed through the form built from $functions, the job completes with its result', async () => {
  expect(functionTask, 'no task was created');
  await click(main, 'its Execute link', (id) => inRow(id, `a[data-key="execute-${id}"]`), functionTask);
  await until(main, 'the heading Execute greet_user', () => document.querySelector('main h1')?.textContent === 'Execute greet_user');
  await until(main, 'the name field from $functions', () => {
    const input = document.querySelector('input[name="params.name"]');
    return input?.type === 'text' && input.placeholder === 'Ada' && document.querySelector(`label[for="${input.id}"]`)?.textContent === 'name';
  });
  await fill(main, 'input[name="params.name"]', 'Firefox');
  await button(main, 'Execute', 'form');
  await until(main, 'the job\'s page', () => document.querySelector('main h1')?.textContent.startsWith('Job '));
  await until(main, 'the status completed', () => document.querySelector('.job-head .badge')?.textContent === 'completed');
  await until(main, 'the result', () => document.querySelector('[aria-labelledby=h-result]')?.textContent.includes('Hello, Firefox!'));
});

await check('schedules: next runs; paused, triggered and resumed from the buttons', async () => {
  const id = args.schedule;
  await route(main, '#/schedules');
  await heading(main, 'Schedules');
  await until(main, 'the schedule\'s row', (s) => inRow(s)?.textContent.includes('@yearly') && inRow(s).textContent.includes('Europe/Berlin'), id);
  await until(main, 'its next runs', (s) => inRow(s)?.querySelectorAll('ol li time').length === 3, id);
  await click(main, 'Pause', (s) => inRow(s, `button[data-key="toggle-${s}"]`), id);
  await until(main, 'paused', (s) => inRow(s, '.badge')?.textContent === 'paused' && inRow(s).querySelectorAll('ol li').length === 0, id);
  await click(main, 'Trigger now', (s) => inRow(s, `button[data-key="trigger-${s}"]`), id);
  const job = await until(main, 'the job it started', () => /started job ([0-9A-Z]{26})/.exec(
    [...document.querySelectorAll('.alert.done')].map((a) => a.textContent).join(' '))?.[1]).then((h) => h.jsonValue());
  expect((await apiGet(`v1/jobs/${job}`)).body?.schedule_id === id, `job ${job} is not of the schedule`);
  await click(main, 'Resume', (s) => inRow(s, `button[data-key="toggle-${s}"]`), id);
  await until(main, 'enabled again', (s) => inRow(s, '.badge')?.textContent === 'enabled' && inRow(s).querySelectorAll('ol li time').length === 3, id);
});

await check('functions: listed with their parameters', async () => {
  await route(main, '#/functions');
  await heading(main, 'Registered functions');
  await until(main, 'greet_user and its parameter', () => inRow('greet_user')?.textContent.includes('name: string'));
  await until(main, 'process_data and what it gets injected', () => inRow('process_data')?.textContent.includes('ArtifactStore'));
});

await check(args.orphan ? 'orphaned tasks: listed, and deleted through the dialog' : 'orphaned tasks: the view', async () => {
  await navLink(main, 'Orphaned');
  await heading(main, 'Orphaned tasks');
  if (!args.orphan) {
    await until(main, 'the count', () => document.querySelector('[data-orphans]'));
    return;
  }
  await until(main, 'the orphan', (id) => inRow(id), args.orphan);
  await until(main, 'the count', () => document.querySelector('[data-orphans]')?.textContent === '1 orphaned task.');
  await click(main, 'its Delete', (id) => inRow(id, `button[data-key="delete-${id}"]`), args.orphan);
  await button(main, 'Delete', 'dialog');
  await until(main, 'the orphan gone', (id) => !inRow(id) && document.querySelector('[data-orphans]')?.textContent === '0 orphaned tasks.', args.orphan);
  expect((await apiGet(`v1/tasks/${args.orphan}`)).status === 404, 'the orphan still exists');
});

await check('every data call carried the key in x-functions-key, never in a URL', async () => {
  const calls = requests.filter((r) => r.page === main && r.url.includes('/api/v1/'));
  expect(calls.length > 10, `only ${calls.length} data calls seen`);
  // Firefox reports the page's own load with its fragment (#code=<key>), which never leaves the browser.
  const inUrl = requests.filter((r) => { const sent = new URL(r.url); sent.hash = ''; return sent.href.includes(args.key) || sent.href.includes('code='); });
  expect(inUrl.length === 0, `the key in a URL: ${inUrl.map((r) => r.url).join(', ')}`);
  const without = calls.filter((r) => r.key !== args.key);
  expect(without.length === 0, `calls without the key: ${without.map((r) => r.url).join(', ')}`);
});

await check('phone (390x844): no view is wider than the screen; the job\'s actions are reachable', async () => {
  const page = await open({ width: 390, height: 844 });
  const routes = ['#/', '#/jobs', `#/jobs/${args.job}`, '#/tasks', `#/tasks/${args.task}/edit`, `#/tasks/${args.task}/execute`,
    ...(functionTask ? [`#/tasks/${functionTask}/execute`] : []), '#/tasks/new', '#/schedules', '#/functions', '#/orphaned'];
  const wide = [];
  for (const hash of routes) {
    await route(page, hash);
    await until(page, `${hash} loaded`, () => document.querySelector('main h1')?.getClientRects().length > 0
      && ![...document.querySelectorAll('main p.muted')].some((p) => p.textContent.includes('Loading')));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const found = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width) { return null; }
      const culprits = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 0.5)
        .filter((e, _, all) => !all.some((o) => o !== e && e.contains(o))) // the innermost ones
        .slice(0, 4).map((e) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? `.${e.className.trim().replace(/\s+/g, '.')}` : ''} (right ${Math.round(e.getBoundingClientRect().right)})`);
      return `${document.documentElement.scrollWidth} px wide: ${culprits.join(', ')}`;
    });
    if (found) { wide.push(`${hash} is ${found}`); }
  }
  expect(wide.length === 0, wide.join('; '));
  await route(page, `#/jobs/${args.job}`);
  await until(page, 'the job loaded', () => document.querySelector('.job-head .badge')?.textContent === 'completed');
  const placed = await page.evaluate(() => ['Cancel', 'Rerun', 'Delete'].map((t) => {
    const b = [...document.querySelectorAll('.toolbar button')].find((e) => e.textContent === t);
    if (!b) { return `${t} missing`; }
    b.scrollIntoView({ block: 'center' });
    const r = b.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (r.left < 0 || r.right > document.documentElement.clientWidth) { return `${t} at x ${Math.round(r.left)}-${Math.round(r.right)}`; }
    return hit === b || b.contains(hit) ? null : `${t} is covered by ${hit?.tagName}`;
  }).filter(Boolean));
  expect(placed.length === 0, placed.join('; '));
  await page.evaluate(() => window.scrollTo(0, 0));
  const rerunTop = await page.evaluate(() => [...document.querySelectorAll('.toolbar button')].find((e) => e.textContent === 'Rerun').getBoundingClientRect().bottom);
  expect(rerunTop <= 844, `Rerun is below the first screen (bottom at ${Math.round(rerunTop)} px)`);
  await button(page, 'Delete', '.toolbar');
  await until(page, 'the dialog', () => document.querySelector('dialog[open]'));
  const dialogFits = await page.evaluate(() => document.querySelector('dialog[open]').getBoundingClientRect().right <= document.documentElement.clientWidth);
  expect(dialogFits, 'the dialog is wider than the screen');
  await button(page, 'Cancel', 'dialog');
  await until(page, 'the dialog closed', () => !document.querySelector('dialog[open]'));
});

await check('keyboard alone: sign in, Shift+Tab to the nav and Enter, Tab to a job and its Delete, Escape closes the dialog', async () => {
  const page = await open({ signedIn: false });
  await until(page, 'the focus in the key field', () => document.activeElement?.id === 'signin-function_key');
  await page.keyboard.type(args.key);
  await page.keyboard.press('Enter');
  await focusedHeading(page, 'Overview');
  await tabTo(page, 'the nav link Jobs', () => [...document.querySelectorAll('nav a')].find((a) => a.textContent === 'Jobs'), { back: true });
  await page.keyboard.press('Enter');
  await focusedHeading(page, 'Jobs');
  await until(page, 'the seeded job in the list', (id) => document.querySelector(`table.list a.id[data-key="job-${id}"]`), args.job);
  await tabTo(page, 'the seeded job', (id) => document.querySelector(`table.list a.id[data-key="job-${id}"]`), {}, args.job);
  await page.keyboard.press('Enter');
  await focusedHeading(page, args.job);
  await until(page, 'the job loaded', () => document.querySelector('.job-head .badge'));
  await tabTo(page, 'the Delete button', () => [...document.querySelectorAll('.toolbar button')].find((b) => b.textContent === 'Delete'));
  await page.keyboard.press('Enter');
  await until(page, 'the dialog', () => document.querySelector('dialog[open]'));
  await page.keyboard.press('Escape');
  await until(page, 'the dialog closed by Escape, the focus back on Delete', () => !document.querySelector('dialog[open]')
    && document.activeElement?.textContent === 'Delete');
});

await browser.close();

const failed = results.filter((r) => !r.ok);
if (scriptErrors.length) { console.log(`script errors (${scriptErrors.length}):\n  ${scriptErrors.join('\n  ')}`); }
console.log(`${results.length} checks in ${version}: ${results.length - failed.length} passed, ${failed.length} failed; `
  + `${scriptErrors.length} script errors`);
process.exit(failed.length || scriptErrors.length ? 1 : 0);
