// Tasks: the list (enable, disable, delete, refreshed every 2 s), create and edit (PUT with If-Match), and execute
// with a form built from the function's parameters in $functions.
import { get, post, call } from './api.js';
import { h, render, badge, when, table, act, confirmAction, showDone, field, markInvalid, json, LIST_REFRESH_MS } from './ui.js';
import { shorten } from './jobs.js';

const PAGE = 25;

/** The task functions of the app ($functions), fetched once per view. */
export async function functions(signal) {
  return (await get('v1/tasks/$functions', null, { signal })).items;
}

/** Sets a task's enabled flag: GET (its ETag), then PUT the task with the flag changed, guarded by If-Match. */
export async function setEnabled(id, enabled) {
  const current = await call('GET', `v1/tasks/${id}`);
  return (await call('PUT', `v1/tasks/${id}`, { body: { ...current.body, enabled }, ifMatch: current.etag })).body;
}

export function taskActions(task, refresh) {
  const toggle = h('button', { type: 'button', class: 'quiet', 'data-key': `toggle-${task.id}` }, task.enabled ? 'Disable' : 'Enable');
  toggle.addEventListener('click', () => act(toggle, task.enabled ? 'disable' : 'enable', async () => {
    const changed = await setEnabled(task.id, !task.enabled);
    showDone(`Task ${task.id} ${changed.enabled ? 'enabled' : 'disabled'}.`);
    await refresh();
  }));
  const remove = h('button', { type: 'button', class: 'quiet danger', 'data-key': `delete-${task.id}` }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!await confirmAction(`Delete task ${task.id} (${shorten(task.command, 60)})? Its schedules are deleted too; its jobs and artifacts stay.`, 'Delete')) { return; }
    await act(remove, 'delete', async () => {
      await call('DELETE', `v1/tasks/${task.id}`);
      showDone(`Task ${task.id} deleted.`);
      await refresh();
    });
  });
  return h('span', { class: 'row-actions' },
    h('a', { href: `#/tasks/${task.id}/execute`, class: 'button primary', 'data-key': `execute-${task.id}` }, 'Execute'),
    h('a', { href: `#/tasks/${task.id}/edit`, class: 'button quiet', 'data-key': `edit-${task.id}` }, 'Edit'),
    toggle, remove,
    h('a', { href: `#/jobs?task_id=${task.id}`, class: 'button quiet', 'data-key': `jobs-${task.id}` }, 'Jobs'));
}

export function taskCells(task, refresh) {
  return [
    h('code', { class: 'id' }, task.id),
    h('span', null, h('code', { class: 'command', title: task.command }, shorten(task.command, 60)), ' ', h('span', { class: 'muted small' }, task.task_type)),
    h('span', null, badge(task.enabled ? 'enabled' : 'disabled'), task.disabled_reason ? h('span', { class: 'muted small' }, ` ${task.disabled_reason}`) : null),
    (task.tags ?? []).join(', '),
    when(task.updated_at),
    taskActions(task, refresh),
  ];
}

export async function taskList(view, ctx) {
  const cursors = [null];
  let next = null;
  const list = h('div');
  const newer = h('button', { type: 'button', class: 'quiet', disabled: true }, '← Previous');
  const older = h('button', { type: 'button', class: 'quiet', disabled: true }, 'Next →');
  const pageInfo = h('span', { class: 'muted' });
  view.append(
    h('div', { class: 'title-row' }, h('h1', null, 'Tasks'), h('a', { href: '#/tasks/new', class: 'button primary' }, 'New task')),
    h('div', { class: 'pager' }, newer, pageInfo, older),
    list);
  const refresh = async () => {
    const page = await get('v1/tasks', { limit: PAGE, cursor: cursors.at(-1) }, { signal: ctx.signal });
    next = page.next_cursor;
    older.disabled = !next;
    newer.disabled = cursors.length === 1;
    pageInfo.textContent = `Page ${cursors.length}`;
    render(list, JSON.stringify(page.items), table('Tasks', ['Task', 'Command', 'State', 'Tags', 'Updated', 'Actions'],
      page.items.map((t) => taskCells(t, refresh)), 'No tasks yet: create one.'));
  };
  older.addEventListener('click', () => act(older, 'next page', async () => { cursors.push(next); await refresh(); }));
  newer.addEventListener('click', () => act(newer, 'previous page', async () => { cursors.pop(); await refresh(); }));
  await ctx.every(LIST_REFRESH_MS, refresh);
}

// ---- Create and edit.

export async function taskForm(view, ctx, id) {
  const editing = Boolean(id);
  let etag = null;
  let task = { command: '', task_type: null, params: null, env: {}, enabled: true, tags: [], timeout_seconds: null, retry: null };
  if (editing) {
    const current = await call('GET', `v1/tasks/${id}`, { signal: ctx.signal });
    task = current.body;
    etag = current.etag;
  }
  const registered = await functions(ctx.signal);

  const command = h('textarea', { name: 'command', rows: '2', required: true, spellcheck: 'false' }, task.command);
  const type = h('select', { name: 'task_type' },
    h('option', { value: '' }, 'decide from the command'),
    h('option', { value: 'function', selected: task.task_type === 'function' }, 'function'),
    h('option', { value: 'shell', selected: task.task_type === 'shell' }, 'shell'));
  const picker = h('select', { 'aria-label': 'Registered functions' }, h('option', { value: '' }, 'choose a registered function…'),
    registered.map((f) => h('option', { value: f.name }, f.name)));
  picker.addEventListener('change', () => {
    if (picker.value) { command.value = picker.value; type.value = 'function'; }
  });
  const params = h('textarea', { name: 'params', rows: '3', spellcheck: 'false', placeholder: '{"name": "World"}' }, task.params ? json(task.params) : '');
  const env = h('textarea', { name: 'env', rows: '2', spellcheck: 'false', placeholder: '{"GREETING": "hi"}' },
    task.env && Object.keys(task.env).length ? json(task.env) : '');
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: task.enabled !== false });
  const tags = h('input', { name: 'tags', value: (task.tags ?? []).join(', '), placeholder: 'demo, nightly', spellcheck: 'false' });
  const timeout = h('input', { name: 'timeout_seconds', type: 'number', min: '1', max: '86400', step: '1', value: task.timeout_seconds ?? '' });
  const attempts = h('input', { name: 'retry', type: 'number', min: '1', max: '10', step: '1', value: task.retry?.max_attempts ?? '' });
  const firstDelay = h('input', { name: 'retry.first_delay_seconds', type: 'number', min: '0', step: '1', value: task.retry?.first_delay_seconds ?? '' });
  const backoff = h('input', { name: 'retry.backoff', type: 'number', min: '1', step: 'any', value: task.retry?.backoff ?? '' });
  const save = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save' : 'Create');

  const form = h('form', { class: 'form', novalidate: true },
    field('Command', command, 'A registered task function\'s name, or a shell command.'),
    h('div', { class: 'row' }, field('Kind', type), field('Fill in a function', picker)),
    field('Params (JSON object)', params, 'Default arguments of a function task.'),
    field('Environment (JSON object of strings)', env, 'Variables of a shell task.'),
    h('div', { class: 'row' }, field('Tags (comma-separated)', tags), field('Timeout (seconds)', timeout)),
    h('fieldset', null, h('legend', null, 'Retry (optional)'),
      h('div', { class: 'row' }, field('Attempts', attempts), field('First delay (s)', firstDelay), field('Backoff', backoff))),
    h('div', { class: 'check' }, enabled, h('label', { for: 'task-enabled' }, 'Enabled')),
    h('div', { class: 'actions' }, save, h('a', { href: '#/tasks', class: 'button quiet' }, 'Cancel')));
  enabled.id = 'task-enabled';

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(save, editing ? 'save the task' : 'create the task', async () => {
      const body = {
        command: command.value,
        params: parseJson(params, 'params'),
        env: parseJson(env, 'env') ?? {},
        enabled: enabled.checked,
        tags: tags.value.split(',').map((t) => t.trim()).filter(Boolean),
      };
      if (type.value) { body.task_type = type.value; }
      if (timeout.value) { body.timeout_seconds = Number(timeout.value); }
      if (attempts.value) {
        body.retry = { max_attempts: Number(attempts.value) };
        if (firstDelay.value) { body.retry.first_delay_seconds = Number(firstDelay.value); }
        if (backoff.value) { body.retry.backoff = Number(backoff.value); }
      }
      try {
        const saved = editing
          ? await call('PUT', `v1/tasks/${id}`, { body, ifMatch: etag })
          : await call('POST', 'v1/tasks', { body });
        showDone(`Task ${saved.body.id} ${editing ? 'saved' : 'created'}.`, { href: `#/tasks/${saved.body.id}/execute`, text: 'Execute it' });
        ctx.navigate('#/tasks');
      } catch (error) {
        markInvalid(form, error);
        throw error;
      }
    });
  });

  view.append(h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, '← Tasks')),
    h('h1', null, editing ? 'Edit task ' : 'New task', editing ? h('code', { class: 'id' }, id) : null), form);
}

/** A JSON object from a textarea (empty: null); a syntax error is shown as a problem of that field. */
function parseJson(control, name) {
  const text = control.value.trim();
  if (!text) { return null; }
  try {
    return JSON.parse(text);
  } catch (error) {
    control.setAttribute('aria-invalid', 'true');
    const problem = { title: 'The field is not valid JSON', detail: `${name}: ${error.message}`, errors: { [name]: [error.message] } };
    throw Object.assign(new Error(problem.detail), { problem, title: problem.title, detail: problem.detail });
  }
}

// ---- Execute.

export async function taskExecute(view, ctx, id) {
  const task = (await call('GET', `v1/tasks/${id}`, { signal: ctx.signal })).body;
  const fn = task.task_type === 'function' ? (await functions(ctx.signal)).find((f) => f.name === task.command) : null;
  const inputs = [];
  const form = h('form', { class: 'form', novalidate: true });
  if (task.task_type === 'function' && !fn) {
    form.append(h('p', { class: 'alert error' }, `No task function named '${task.command}' is registered in this app: the task is orphaned.`));
  }
  if (fn) {
    const block = h('fieldset', null, h('legend', null, `Arguments of ${fn.name}`));
    if (fn.parameters.length === 0) { block.append(h('p', { class: 'muted' }, 'This function takes no arguments.')); }
    for (const parameter of fn.parameters) {
      const input = argumentInput(parameter, task.params?.[parameter.name]);
      inputs.push({ parameter, input });
      const given = task.params && parameter.name in task.params;
      const hint = [
        parameter.type,
        parameter.required && !given ? 'required' : null,
        given ? `the task's value: ${JSON.stringify(task.params[parameter.name])}` : null,
        !given && parameter.default !== null && parameter.default !== undefined ? `default ${JSON.stringify(parameter.default)}` : null,
        !given && !parameter.required && (parameter.default === null || parameter.default === undefined) ? 'optional' : null,
        'leave empty to use it',
      ].filter(Boolean).join(' · ');
      block.append(field(parameter.name, input, parameter.required && !given ? `${parameter.type} · required` : hint));
    }
    form.append(block);
  }
  const env = h('textarea', { name: 'env', rows: '3', spellcheck: 'false', placeholder: 'NAME=value, one a line' });
  if (task.task_type === 'shell') {
    form.append(field('Environment over the task\'s (NAME=value lines)', env));
  }
  const delay = h('input', { name: 'delay_seconds', type: 'number', min: '1', step: '1' });
  const runAt = h('input', { name: 'run_at', type: 'datetime-local', step: '1' });
  form.append(h('fieldset', null, h('legend', null, 'When (optional)'),
    h('div', { class: 'row' }, field('After (seconds)', delay), field('At (your local time)', runAt))));
  const run = h('button', { type: 'submit', class: 'primary' }, 'Execute');
  form.append(h('div', { class: 'actions' }, run, h('a', { href: '#/tasks', class: 'button quiet' }, 'Cancel')));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(run, 'execute', async () => {
      const body = {};
      const params = {};
      for (const { parameter, input } of inputs) {
        const value = argumentValue(parameter, input);
        if (value !== undefined) { params[parameter.name] = value; }
      }
      if (Object.keys(params).length) { body.params = params; }
      if (task.task_type === 'shell' && env.value.trim()) {
        body.env = Object.fromEntries(env.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
          const at = l.indexOf('=');
          return at < 0 ? [l, ''] : [l.slice(0, at), l.slice(at + 1)];
        }));
      }
      if (delay.value) { body.delay_seconds = Number(delay.value); }
      if (runAt.value) { body.run_at = new Date(runAt.value).toISOString(); }
      try {
        const accepted = (await post(`v1/tasks/${id}/$execute`, body)).body;
        showDone(`Job ${accepted.job_id} started.`);
        ctx.navigate(`#/jobs/${accepted.job_id}`);
      } catch (error) {
        markInvalid(form, error);
        throw error;
      }
    });
  });

  view.append(h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, '← Tasks')),
    h('h1', null, 'Execute ', h('code', null, shorten(task.command, 60))),
    h('p', { class: 'muted' }, `Task ${task.id} (${task.task_type})${task.enabled ? '' : ' is disabled: executing it will be refused'}.`),
    task.params ? h('details', null, h('summary', null, 'The task\'s params'), h('pre', { class: 'code' }, json(task.params))) : null,
    form);
}

/** An input for one parameter, by its JSON type; its name is params.<name> so a refusal marks it. */
function argumentInput(parameter, current) {
  const name = `params.${parameter.name}`;
  switch (parameter.type) {
    case 'integer':
      return h('input', { name, type: 'number', step: '1', inputmode: 'numeric', placeholder: placeholder(parameter, current) });
    case 'number':
      return h('input', { name, type: 'number', step: 'any', inputmode: 'decimal', placeholder: placeholder(parameter, current) });
    case 'boolean':
      return h('select', { name }, h('option', { value: '' }, `— ${placeholder(parameter, current) || 'unset'}`),
        h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
    case 'string':
      return h('input', { name, type: 'text', spellcheck: 'false', placeholder: placeholder(parameter, current) });
    default:
      return h('textarea', { name, rows: '2', spellcheck: 'false', placeholder: `JSON ${parameter.type}${placeholder(parameter, current) ? `, e.g. ${placeholder(parameter, current)}` : ''}` });
  }
}

function placeholder(parameter, current) {
  const value = current !== undefined ? current : parameter.default;
  if (value === undefined || value === null) { return ''; }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The value typed for a parameter (undefined: left empty, so the task's or the default applies). */
function argumentValue(parameter, input) {
  const text = input.value;
  if (text === '') { return undefined; }
  switch (parameter.type) {
    case 'integer':
    case 'number':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'string':
      return text;
    default:
      try {
        return JSON.parse(text);
      } catch (error) {
        input.setAttribute('aria-invalid', 'true');
        const detail = `${parameter.name} must be JSON (${parameter.type}): ${error.message}`;
        throw Object.assign(new Error(detail), { title: 'An argument is not valid JSON', detail, problem: { title: 'An argument is not valid JSON', detail } });
      }
  }
}
