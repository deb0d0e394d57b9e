// The registered task functions ($functions) and the orphaned tasks ($orphaned: function tasks whose function is gone).
import { get } from './api.js';
import { h, render, table } from './ui.js';
import { taskCells } from './tasks.js';

const ORPHANS_REFRESH_MS = 5000;

export async function functionList(view, ctx) {
  const items = (await get('v1/tasks/$functions', null, { signal: ctx.signal })).items;
  view.append(h('h1', null, 'Registered functions'),
    h('p', { class: 'muted' }, `${items.length} task function${items.length === 1 ? '' : 's'} in this app. Create a task with one as its command to run it.`),
    table('Registered task functions', ['Function', 'Description', 'Parameters', 'Injected'], items.map((f) => [
      h('code', { class: 'fn' }, f.name),
      f.description ?? '',
      f.parameters.length
        ? h('ul', { class: 'plain' }, f.parameters.map((p) => h('li', null, h('code', null, p.name), `: ${p.type}`,
          p.required ? h('span', { class: 'req' }, ' required') : h('span', { class: 'muted' }, ` = ${JSON.stringify(p.default)}`))))
        : h('span', { class: 'muted' }, 'none'),
      f.injected.length ? f.injected.join(', ') : h('span', { class: 'muted' }, 'nothing'),
    ]), 'No task functions are registered.'));
}

export async function orphanList(view, ctx) {
  const list = h('div');
  view.append(h('h1', null, 'Orphaned tasks'),
    h('p', { class: 'muted' }, 'Function tasks whose function is not registered in the running app (the sweep disables them). Edit one to point it at another function, or delete it.'),
    list);
  const refresh = async () => {
    const body = await get('v1/tasks/$orphaned', null, { signal: ctx.signal });
    render(list, JSON.stringify(body), h('p', { 'data-orphans': String(body.count) }, `${body.count} orphaned task${body.count === 1 ? '' : 's'}.`),
      table('Orphaned tasks', ['Task', 'Command', 'State', 'Tags', 'Updated', 'Actions'], body.orphaned_tasks.map((t) => taskCells(t, refresh)), 'None: every function task has its function.'));
  };
  await ctx.every(ORPHANS_REFRESH_MS, refresh);
}
