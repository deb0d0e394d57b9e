// Small DOM and formatting helpers shared by the views. Everything is built with text nodes (never innerHTML), so a
// command, an output line or a problem's detail can never become markup.

/** Lists refresh at most this often (and only while the page is visible). */
export const LIST_REFRESH_MS = 2000;

let keyErrorHandler = () => false;

/** The frame's handler of a refused key (back to the sign-in); returns whether the error was one. */
export function onKeyError(handler) { keyErrorHandler = handler; }
export const isKeyError = (error) => error?.kind === 'function-key' || error?.kind === 'api-key';

/** Creates an element: h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child...). */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) { continue; }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) { continue; }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes. */
export function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value !== undefined && value !== null) { element.setAttribute(name, value); }
  }
  append(element, children);
  return element;
}

/**
 * Replaces the content of container with nodes, keeping the focus on the element with the same data-key (a live
 * refresh must not throw a keyboard user back to the top of the page). Skips the work when nothing changed.
 */
export function render(container, signature, ...nodes) {
  if (signature !== undefined && container.dataset.signature === signature) { return; }
  const focused = container.contains(document.activeElement) ? document.activeElement?.dataset?.key : undefined;
  container.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  if (signature !== undefined) { container.dataset.signature = signature; }
  if (focused) { container.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus(); }
}

// ---- Alerts: every failed action shows the problem's title and detail.

const alerts = () => document.getElementById('alerts');

export function clearAlerts() { alerts().replaceChildren(); }

/** Shows an ApiError (or any error) as an alert: its title, detail and the errors by field. */
export function showError(error, what) {
  if (error?.name === 'AbortError') { return; }
  const problem = error?.problem;
  const fields = problem?.errors ? Object.entries(problem.errors) : [];
  const box = h('div', { class: 'alert error', role: 'alert' },
    h('p', null, h('strong', { class: 'alert-title' }, error?.title ?? 'Something went wrong'), what ? ` (${what})` : null),
    h('p', { class: 'alert-detail' }, error?.detail ?? String(error)),
    fields.length ? h('ul', null, fields.map(([field, messages]) => h('li', null, h('code', null, field), ': ', [].concat(messages).join('; ')))) : null,
    h('button', { type: 'button', class: 'quiet close', 'aria-label': 'Dismiss', onclick: () => box.remove() }, '×'));
  alerts().prepend(box);
  while (alerts().children.length > 4) { alerts().lastChild.remove(); }
}

/** A short confirmation that an action worked, optionally with a link. */
export function showDone(text, link) {
  const box = h('div', { class: 'alert done', role: 'status' },
    h('p', null, text, link ? [' ', h('a', { href: link.href }, link.text)] : null),
    h('button', { type: 'button', class: 'quiet close', 'aria-label': 'Dismiss', onclick: () => box.remove() }, '×'));
  alerts().prepend(box);
  while (alerts().children.length > 4) { alerts().lastChild.remove(); }
  setTimeout(() => box.remove(), 8000);
}

/** Runs an action from a button: the button is busy meanwhile, a refusal is shown; returns the result or undefined. */
export async function act(button, what, action) {
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
  try {
    return await action();
  } catch (error) {
    if (!(isKeyError(error) && keyErrorHandler(error))) { showError(error, what); }
    return undefined;
  } finally {
    if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
  }
}

/** A modal question; resolves true when confirmed. Escape or Cancel resolve false. */
export function confirmAction(text, okLabel = 'OK') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  const ok = document.getElementById('confirm-ok');
  ok.textContent = okLabel;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const buttons = dialog.querySelectorAll('button');
    const done = (value) => {
      buttons.forEach((b) => b.removeEventListener('click', onClick));
      dialog.removeEventListener('close', onClose);
      if (dialog.open) { dialog.close(); }
      opener?.focus?.();
      resolve(value);
    };
    const onClick = (event) => done(event.currentTarget.value === 'ok');
    const onClose = () => done(false);
    buttons.forEach((b) => b.addEventListener('click', onClick));
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    ok.focus();
  });
}

// ---- Formatting.

export function time(value) {
  if (!value) { return '—'; }
  const date = new Date(value);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A time element: local time shown, the exact UTC value in its datetime and title. */
export function when(value) {
  return value ? h('time', { datetime: value, title: value }, time(value)) : h('span', { class: 'muted' }, '—');
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) { return '—'; }
  if (ms < 1000) { return `${Math.round(ms)} ms`; }
  if (ms < 60000) { return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`; }
  if (ms < 3600000) { return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`; }
  return `${Math.floor(ms / 3600000)} h ${Math.round((ms % 3600000) / 60000)} min`;
}

export function between(start, end) {
  return start && end ? duration(new Date(end) - new Date(start)) : '—';
}

export function bytes(n) {
  if (n === null || n === undefined) { return '—'; }
  if (n < 1024) { return `${n} B`; }
  if (n < 1048576) { return `${(n / 1024).toFixed(1)} KiB`; }
  return `${(n / 1048576).toFixed(1)} MiB`;
}

export function badge(status) {
  return h('span', { class: `badge ${status}` }, status);
}

export function json(value) {
  return JSON.stringify(value, null, 2);
}

/** A table whose cells carry their column's name (shown as a label when rows stack on a narrow screen). */
export function table(caption, columns, rows, empty = 'Nothing to show.') {
  if (rows.length === 0) { return h('p', { class: 'muted empty' }, empty); }
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'list' },
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell)))))));
}

/** A labelled form control: field(label, control, hint). */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) { control.setAttribute('aria-describedby', hintId); }
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { id: hintId, class: 'muted' }, hint) : null);
}

/** Marks the controls named in a validation problem's errors (name attribute = the field, or its last part). */
export function markInvalid(form, error) {
  form.querySelectorAll('[aria-invalid]').forEach((c) => c.removeAttribute('aria-invalid'));
  for (const name of Object.keys(error?.problem?.errors ?? {})) {
    // "params.count" names its own input; "tags[1]" or "retry.backoff" may only have the whole field's.
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`) ?? form.querySelector(`[name="${CSS.escape(name.split(/[.[]/)[0])}"]`);
    control?.setAttribute('aria-invalid', 'true');
  }
}
