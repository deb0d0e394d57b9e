// Overview: the last hour's counts and throughput ($stats), the concurrency gate, health, and the most recent jobs.
import { get } from './api.js';
import { h, svg, render, badge, duration, table, LIST_REFRESH_MS } from './ui.js';
import { jobRow, JOB_COLUMNS } from './jobs.js';

const STATS_REFRESH_MS = 5000;
const RECENT = 10;
const STATUSES = ['pending', 'running', 'completed', 'failed', 'canceled'];

export async function overview(view, ctx) {
  const stats = h('section', { class: 'panel', 'aria-labelledby': 'h-stats' });
  const gate = h('section', { class: 'panel', 'aria-labelledby': 'h-gate' });
  const health = h('section', { class: 'panel', 'aria-labelledby': 'h-health' });
  const recent = h('div');
  view.append(
    h('h1', null, 'Overview'),
    h('div', { class: 'grid' }, stats, h('div', { class: 'stack' }, gate, health)),
    h('section', { class: 'panel', 'aria-labelledby': 'h-recent' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'h-recent' }, 'Most recent jobs'), h('a', { href: '#/jobs' }, 'All jobs →')),
      recent));

  ctx.every(STATS_REFRESH_MS, async () => {
    const body = await get('v1/jobs/$stats', null, { signal: ctx.signal });
    render(stats, JSON.stringify([body.counts, body.per_minute, body.duration_ms]), statsPanel(body));
  });
  ctx.every(STATS_REFRESH_MS, async () => {
    const response = await fetch(new URL('health', new URL('../', import.meta.url)), { cache: 'no-store', signal: ctx.signal });
    const body = await response.json().catch(() => ({ status: `HTTP ${response.status}` }));
    render(health, JSON.stringify(body), healthPanel(body));
  });
  ctx.every(LIST_REFRESH_MS, async () => {
    const body = await get('v1/concurrency', null, { signal: ctx.signal });
    render(gate, JSON.stringify(body), gatePanel(body));
  });
  ctx.every(LIST_REFRESH_MS, async () => {
    const page = await get('v1/jobs', { limit: RECENT }, { signal: ctx.signal });
    render(recent, JSON.stringify(page.items), table('The most recent jobs', JOB_COLUMNS, page.items.map(jobRow), 'No jobs yet: execute a task.'));
  });
}

function statsPanel(body) {
  const counts = body.counts;
  return [
    h('h2', { id: 'h-stats' }, 'The last hour'),
    h('ul', { class: 'counts', 'aria-label': 'Jobs submitted in the last hour, by status' },
      STATUSES.map((status) => h('li', { class: `count ${status}` },
        h('a', { href: `#/jobs?status=${status}`, 'data-key': `count-${status}` },
          h('span', { class: 'number', 'data-count': status }, String(counts[status])), h('span', { class: 'label' }, status))))),
    throughput(body.per_minute),
    h('p', { class: 'muted durations' },
      'Run time of the jobs that ended: p50 ', h('strong', null, duration(body.duration_ms.p50)),
      ', p95 ', h('strong', null, duration(body.duration_ms.p95)),
      ', max ', h('strong', null, duration(body.duration_ms.max)), '.'),
  ];
}

/** A stacked bar per minute: completed, failed, canceled. */
function throughput(minutes) {
  const width = 600;
  const height = 150;
  const top = 10;
  const bottom = 22;
  const left = 30;
  const plot = height - top - bottom;
  const totals = minutes.map((m) => m.completed + m.failed + m.canceled);
  const max = Math.max(1, ...totals);
  const step = (width - left) / Math.max(1, minutes.length);
  const sum = (key) => minutes.reduce((a, m) => a + m[key], 0);
  const label = `Jobs ended per minute over the last hour: ${sum('completed')} completed, ${sum('failed')} failed, ${sum('canceled')} canceled; at most ${max === 1 && totals.every((t) => t === 0) ? 0 : max} in a minute.`;
  const bars = minutes.map((m, i) => {
    let y = top + plot;
    const parts = [];
    for (const key of ['completed', 'failed', 'canceled']) {
      if (m[key] === 0) { continue; }
      const barHeight = (m[key] / max) * plot;
      y -= barHeight;
      parts.push(svg('rect', { class: `bar ${key}`, x: (left + i * step + 0.5).toFixed(1), y: y.toFixed(1), width: Math.max(1, step - 1).toFixed(1), height: barHeight.toFixed(1) }));
    }
    const minute = new Date(m.minute);
    const hhmm = `${String(minute.getHours()).padStart(2, '0')}:${String(minute.getMinutes()).padStart(2, '0')}`;
    return svg('g', null, svg('title', null, `${hhmm}: ${m.completed} completed, ${m.failed} failed, ${m.canceled} canceled`), ...parts,
      svg('rect', { class: 'hit', x: (left + i * step).toFixed(1), y: top, width: step.toFixed(1), height: plot }));
  });
  const tick = (i) => {
    const minute = new Date(minutes[i].minute);
    return `${String(minute.getHours()).padStart(2, '0')}:${String(minute.getMinutes()).padStart(2, '0')}`;
  };
  const ticks = minutes.length > 0 ? [0, Math.floor(minutes.length / 2), minutes.length - 1] : [];
  return h('figure', { class: 'chart' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
      svg('line', { class: 'axis', x1: left, y1: top + plot, x2: width, y2: top + plot }),
      svg('text', { class: 'tick', x: left - 4, y: top + 8, 'text-anchor': 'end' }, String(max)),
      svg('text', { class: 'tick', x: left - 4, y: top + plot, 'text-anchor': 'end' }, '0'),
      ticks.map((i, n) => svg('text', {
        class: 'tick', x: (n === 0 ? left : n === ticks.length - 1 ? width : left + i * step + step / 2).toFixed(1), y: height - 6,
        'text-anchor': n === 0 ? 'start' : n === ticks.length - 1 ? 'end' : 'middle',
      }, tick(i))),
      bars),
    h('figcaption', null,
      h('span', { class: 'key completed' }, 'completed'), ' ', h('span', { class: 'key failed' }, 'failed'), ' ',
      h('span', { class: 'key canceled' }, 'canceled'), h('span', { class: 'muted' }, ' per minute, by when they ended')));
}

function gatePanel(body) {
  return [
    h('h2', { id: 'h-gate' }, 'Concurrency gate'),
    h('dl', { class: 'facts' },
      h('div', null, h('dt', null, 'Limit'), h('dd', { 'data-gate': 'limit' }, String(body.limit))),
      h('div', null, h('dt', null, 'In use'), h('dd', { 'data-gate': 'in_use' }, String(body.in_use))),
      h('div', null, h('dt', null, 'Waiting'), h('dd', { 'data-gate': 'waiting' }, String(body.waiting)))),
    body.holders?.length
      ? h('p', { class: 'holders' }, 'Holding a permit: ', body.holders.map((id, i) => [i ? ', ' : '', h('a', { href: `#/jobs/${id}`, class: 'id', 'data-key': `holder-${id}` }, id)]))
      : h('p', { class: 'muted' }, 'No job holds a permit.'),
  ];
}

function healthPanel(body) {
  const checks = Object.entries(body.checks ?? {});
  return [
    h('h2', { id: 'h-health' }, 'Health'),
    h('p', null, badge(body.status ?? 'unknown')),
    checks.length
      ? h('ul', { class: 'checks' }, checks.map(([name, check]) => h('li', null, h('strong', null, name), ': ', check.status ?? '',
        check.error ? ` (${check.error})` : '', check.duration_ms !== undefined ? `, ${check.duration_ms} ms` : '')))
      : null,
  ];
}
