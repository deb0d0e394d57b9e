// The dashboard's frame: sign-in (the function key once per browser session, or #code=<key> in the link), the
// hash router, the live-refresh loops of the current view, and the health indicator.
import { keys, get, ApiError } from './api.js';
import { h, render, showError, clearAlerts, onKeyError, isKeyError } from './ui.js';
import { overview } from './overview.js';
import { jobList, jobDetail } from './jobs.js';
import { taskList, taskForm, taskExecute } from './tasks.js';
import { scheduleList } from './schedules.js';
import { functionList, orphanList } from './catalog.js';

const routes = [
  [/^\/?$/, 'overview', overview],
  [/^\/jobs$/, 'jobs', jobList],
  [/^\/jobs\/([0-9A-Za-z]{26})$/, 'jobs', jobDetail],
  [/^\/tasks$/, 'tasks', taskList],
  [/^\/tasks\/new$/, 'tasks', taskForm],
  [/^\/tasks\/([0-9A-Za-z]{26})\/edit$/, 'tasks', taskForm],
  [/^\/tasks\/([0-9A-Za-z]{26})\/execute$/, 'tasks', taskExecute],
  [/^\/schedules$/, 'schedules', scheduleList],
  [/^\/functions$/, 'functions', functionList],
  [/^\/orphaned$/, 'orphaned', orphanList],
];

const view = document.getElementById('view');
let current = null; // {controller} of the mounted view
let signInReason = null;

/** What a view gets: its signal (aborted when it is left), live loops, the route's query, and navigation. */
function context(controller, query) {
  return {
    signal: controller.signal,
    query,
    navigate: (hash) => { location.hash = hash; },
    /**
     * Runs task now and then again `ms` after each run ends (never two at once), while the view is mounted; runs
     * are skipped while the page is hidden. A refused key stops the view and asks for the key again.
     */
    every(ms, task) {
      let timer = null;
      let lastError = null; // a refresh that keeps failing says so once, not every round
      const run = async () => {
        if (controller.signal.aborted) { return; }
        if (document.visibilityState !== 'hidden') {
          try {
            await task();
            lastError = null;
          } catch (error) {
            if (controller.signal.aborted) { return; } // an answer for a view that is gone
            if (isKeyError(error)) { handleKeyError(error); return; }
            const text = `${error?.title}|${error?.detail ?? error}`;
            if (error?.name !== 'AbortError' && text !== lastError) { showError(error); }
            lastError = text;
          }
        }
        if (!controller.signal.aborted) { timer = setTimeout(run, ms); }
      };
      controller.signal.addEventListener('abort', () => clearTimeout(timer));
      return run();
    },
  };
}

/** A refused function key or API key: back to the sign-in with the reason. Returns whether it was one. */
function handleKeyError(error) {
  if (!(error instanceof ApiError) || !isKeyError(error)) { return false; }
  signInReason = error;
  route();
  return true;
}

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, ''));
  const [path, search] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(search ?? '')) };
}

async function route() {
  current?.controller.abort();
  current = null;
  document.getElementById('signout').hidden = !keys.signedIn;
  if (!keys.signedIn || signInReason) {
    mountSignIn();
    return;
  }
  const { path, query } = parseHash();
  const match = routes.map(([pattern, nav, mount]) => ({ m: pattern.exec(path), nav, mount })).find((r) => r.m);
  document.querySelectorAll('[data-nav]').forEach((a) => {
    if (match?.nav === a.dataset.nav) { a.setAttribute('aria-current', 'page'); } else { a.removeAttribute('aria-current'); }
  });
  const controller = new AbortController();
  current = { controller };
  view.replaceChildren();
  delete view.dataset.signature;
  if (!match) {
    render(view, undefined, h('h1', { tabindex: '-1' }, 'Not found'), h('p', null, 'No view at this address. ', h('a', { href: '#/' }, 'Go to the overview.')));
    focusHeading();
    return;
  }
  const mounting = match.mount(view, context(controller, query), ...match.m.slice(1));
  focusHeading(); // most views put their heading up before they load anything
  try {
    await mounting;
  } catch (error) {
    if (!controller.signal.aborted && !handleKeyError(error) && error?.name !== 'AbortError') { showError(error); }
  }
  if (current?.controller === controller) { focusHeading(); }
}

/** After a change of view, the keyboard continues from its heading. */
function focusHeading() {
  const heading = view.querySelector('h1');
  if (heading && !view.contains(document.activeElement)) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}

function mountSignIn() {
  const reason = signInReason;
  const needsApiKey = reason?.kind === 'api-key' || Boolean(keys.apiKey);
  document.querySelectorAll('[data-nav]').forEach((a) => a.removeAttribute('aria-current'));
  const functionKey = h('input', { type: 'password', name: 'function_key', autocomplete: 'off', spellcheck: 'false', value: keys.functionKey ?? '' });
  const apiKey = h('input', { type: 'password', name: 'api_key', autocomplete: 'off', spellcheck: 'false', value: keys.apiKey ?? '' });
  const message = h('div', { class: 'signin-message', role: 'alert' });
  if (reason) {
    message.append(
      h('p', null, h('strong', null, reason.kind === 'api-key' ? 'An API key is needed' : reason.title)),
      h('p', null, reason.kind === 'api-key'
        ? `${reason.problem?.title ?? ''}: ${reason.problem?.detail ?? ''} This app has API keys configured (FuncTasks:Security:ApiKeys); enter one below.`
        : `The app refused the function key (HTTP ${reason.status}). Enter a valid function key of this function app: `
          + 'Azure portal → the function app → App keys, or az functionapp keys list -g <group> -n <app>.'));
  }
  const form = h('form', { class: 'signin', novalidate: true },
    h('h1', { tabindex: '-1' }, 'Sign in to the dashboard'),
    h('p', { class: 'muted' }, 'The key stays in this browser tab (session storage) and is sent in a header on every data call, never in a URL. '
      + 'A link ending in #code=<function key> signs in directly.'),
    message,
    fieldBlock('Function key', functionKey, 'Sent as x-functions-key. Leave it empty when the app runs locally under Core Tools, which does not check keys.'),
    needsApiKey ? fieldBlock('API key', apiKey, 'Sent as X-API-Key, on top of the function key.') : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    keys.set(functionKey.value.trim(), needsApiKey ? apiKey.value.trim() : keys.apiKey);
    signInReason = null;
    clearAlerts();
    try {
      await get('v1/concurrency'); // a cheap call that needs both keys
    } catch (error) {
      if (error instanceof ApiError && (error.kind === 'function-key' || error.kind === 'api-key')) {
        signInReason = error;
        mountSignIn();
        return;
      }
      showError(error, 'checking the key');
    }
    route();
  });
  view.replaceChildren(form);
  delete view.dataset.signature;
  (reason?.kind === 'api-key' ? apiKey : functionKey).focus();
}

function fieldBlock(label, control, hint) {
  const id = `signin-${control.name}`;
  control.id = id;
  control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, h('small', { id: `${id}-hint`, class: 'muted' }, hint));
}

/** The health indicator in the header (GET /api/health is anonymous), every 5 s. */
function watchHealth() {
  const badge = document.getElementById('health');
  const check = async () => {
    if (document.visibilityState !== 'hidden') {
      try {
        const response = await fetch(new URL('health', new URL('../', import.meta.url)), { cache: 'no-store' });
        const body = await response.json().catch(() => null);
        const status = body?.status ?? (response.ok ? 'healthy' : 'unhealthy');
        badge.className = `health ${status}`;
        badge.textContent = status === 'healthy' ? 'Healthy' : 'Unhealthy';
        badge.title = body?.checks ? Object.entries(body.checks).map(([k, v]) => `${k}: ${v.status ?? JSON.stringify(v)}`).join(', ') : '';
      } catch {
        badge.className = 'health unhealthy';
        badge.textContent = 'Unreachable';
      }
    }
    setTimeout(check, 5000);
  };
  check();
}

/** A link ending in #code=<key> signs in; the key is then removed from the address bar (and so from the history). */
function takeKeyFromFragment() {
  const match = /^#code=([^&]*)/.exec(location.hash);
  if (!match) { return; }
  keys.set(decodeURIComponent(match[1]), keys.apiKey);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

document.getElementById('signout').addEventListener('click', () => {
  keys.clear();
  signInReason = null;
  clearAlerts();
  route();
});

onKeyError(handleKeyError);
takeKeyFromFragment();
window.addEventListener('hashchange', () => { takeKeyFromFragment(); route(); });
watchHealth();
route();
