// Schedules: next runs, last fire, counts; pause and resume (PUT with If-Match), trigger now. Refreshed every 2 s.
import { get, post, call, apiBase } from './api.js';
import { h, render, badge, when, table, act, showDone, LIST_REFRESH_MS } from './ui.js';

const PAGE = 25;

/** Pauses or resumes: GET (its ETag), then PUT the schedule with enabled changed, guarded by If-Match. */
async function setEnabled(id, enabled) {
  const current = await call('GET', `v1/schedules/${id}`);
  return (await call('PUT', `v1/schedules/${id}`, { body: { ...current.body, enabled }, ifMatch: current.etag })).body;
}

function cells(schedule, refresh) {
  const toggle = h('button', { type: 'button', class: 'quiet', 'data-key': `toggle-${schedule.id}` }, schedule.enabled ? 'Pause' : 'Resume');
  toggle.addEventListener('click', () => act(toggle, schedule.enabled ? 'pause' : 'resume', async () => {
    const changed = await setEnabled(schedule.id, !schedule.enabled);
    showDone(`Schedule ${schedule.id} ${changed.enabled ? 'resumed' : 'paused'}.`);
    await refresh();
  }));
  const trigger = h('button', { type: 'button', class: 'primary', 'data-key': `trigger-${schedule.id}` }, 'Trigger now');
  trigger.addEventListener('click', () => act(trigger, 'trigger', async () => {
    const accepted = (await post(`v1/schedules/${schedule.id}/$trigger`)).body;
    showDone(`Schedule ${schedule.id} started job ${accepted.job_id}.`, { href: `#/jobs/${accepted.job_id}`, text: 'Open the job' });
    await refresh();
  }));
  const fire = schedule.last_fire;
  return [
    h('span', null, h('code', { class: 'id' }, schedule.id), h('br'), h('span', { class: 'muted small' }, 'task '),
      h('a', { href: `#/jobs?task_id=${schedule.task_id}`, class: 'id small', title: 'Jobs of this task' }, schedule.task_id)),
    h('span', null, h('code', null, schedule.cron), h('br'), h('span', { class: 'muted small' }, schedule.time_zone)),
    h('span', null, badge(schedule.enabled ? 'enabled' : 'paused'),
      schedule.disabled_reason ? h('span', { class: 'muted small' }, ` ${schedule.disabled_reason}`) : null),
    schedule.next_runs?.length
      ? h('ol', { class: 'plain' }, schedule.next_runs.slice(0, 3).map((t) => h('li', null, when(t))))
      : h('span', { class: 'muted' }, 'none'),
    fire
      ? h('span', null, when(fire.scheduled_for), h('br'), h('span', { class: `small outcome ${fire.outcome}` }, fire.outcome),
        fire.job_id ? [' ', h('a', { href: `#/jobs/${fire.job_id}`, class: 'id small', 'data-key': `fire-${schedule.id}` }, fire.job_id)] : null)
      : h('span', { class: 'muted' }, 'never'),
    `${schedule.fires} / ${schedule.missed_fires}`,
    h('span', { class: 'row-actions' }, trigger, toggle,
      h('a', { href: `#/jobs?schedule_id=${schedule.id}`, class: 'button quiet', 'data-key': `jobs-${schedule.id}` }, 'Jobs')),
  ];
}

export async function scheduleList(view, ctx) {
  const cursors = [null];
  let next = null;
  const list = h('div');
  const previous = h('button', { type: 'button', class: 'quiet', disabled: true }, '← Previous');
  const following = h('button', { type: 'button', class: 'quiet', disabled: true }, 'Next →');
  const pageInfo = h('span', { class: 'muted' });
  view.append(h('h1', null, 'Schedules'),
    h('p', { class: 'muted small' }, 'Create schedules with POST /api/v1/schedules (see the API reference at ', h('a', { href: new URL('docs', apiBase).href }, '/api/docs'), ').'),
    h('div', { class: 'pager' }, previous, pageInfo, following), list);
  const refresh = async () => {
    const page = await get('v1/schedules', { limit: PAGE, cursor: cursors.at(-1) }, { signal: ctx.signal });
    next = page.next_cursor;
    following.disabled = !next;
    previous.disabled = cursors.length === 1;
    pageInfo.textContent = `Page ${cursors.length}`;
    render(list, JSON.stringify(page.items), table('Schedules', ['Schedule', 'Cron', 'State', 'Next runs', 'Last fire', 'Fires / missed', 'Actions'],
      page.items.map((s) => cells(s, refresh)), 'No schedules.'));
  };
  following.addEventListener('click', () => act(following, 'next page', async () => { cursors.push(next); await refresh(); }));
  previous.addEventListener('click', () => act(previous, 'previous page', async () => { cursors.pop(); await refresh(); }));
  await ctx.every(LIST_REFRESH_MS, refresh);
}
