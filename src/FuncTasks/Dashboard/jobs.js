// Jobs: the list (filters, newest first, cursor paging, refreshed every 2 s) and a job's detail (followed over SSE:
// timeline, params, error with stack, live output, artifacts, cancel / rerun / delete).
import { get, post, call, follow, download, ApiError } from './api.js';
import {
  h, render, badge, when, between, bytes, json, table, act, confirmAction, showDone, showError, field, isKeyError,
  LIST_REFRESH_MS,
} from './ui.js';

export const STATUSES = ['pending', 'running', 'completed', 'failed', 'canceled'];
export const JOB_COLUMNS = ['Job', 'Status', 'Task', 'Submitted', 'Finished', 'Run time', 'Origin'];
const PAGE_SIZES = [25, 50, 100];
const FINISHED = new Set(['completed', 'failed', 'canceled']);

/** One row of a job list: the full id links to the job. */
export function jobRow(job) {
  return [
    h('a', { href: `#/jobs/${job.id}`, class: 'id', 'data-key': `job-${job.id}` }, job.id),
    badge(job.status),
    h('span', { class: 'task-cell' },
      h('span', { class: 'command', title: job.command }, shorten(job.command, 48)), ' ',
      h('a', { href: `#/jobs?task_id=${job.task_id}`, class: 'id small', title: 'Jobs of this task', 'data-key': `task-${job.id}` }, job.task_id)),
    when(job.submitted_at),
    when(job.finished_at),
    between(job.started_at, job.finished_at),
    origin(job),
  ];
}

function origin(job) {
  if (job.schedule_id) {
    return h('a', { href: `#/jobs?schedule_id=${job.schedule_id}`, class: 'small', title: `Schedule ${job.schedule_id}`, 'data-key': `sched-${job.id}` }, 'schedule');
  }
  if (job.rerun_of) {
    return h('a', { href: `#/jobs/${job.rerun_of}`, class: 'small', title: `Rerun of ${job.rerun_of}`, 'data-key': `rerun-${job.id}` }, 'rerun');
  }
  return h('span', { class: 'muted small' }, 'client');
}

export function shorten(text, length) {
  return text && text.length > length ? `${text.slice(0, length - 1)}…` : text ?? '';
}

// ---- The list.

export async function jobList(view, ctx) {
  const filters = {
    status: STATUSES.includes(ctx.query.status) ? ctx.query.status : '',
    task_id: ctx.query.task_id ?? '',
    schedule_id: ctx.query.schedule_id ?? '',
    limit: PAGE_SIZES.includes(Number(ctx.query.limit)) ? Number(ctx.query.limit) : PAGE_SIZES[0],
  };
  const cursors = [null]; // the cursor of each page seen, for "newer"
  const list = h('div', { 'aria-live': 'off' });
  const pageInfo = h('span', { class: 'muted' });
  const newer = h('button', { type: 'button', class: 'quiet', disabled: true }, '← Newer');
  const older = h('button', { type: 'button', class: 'quiet', disabled: true }, 'Older →');
  let next = null;

  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, s)));
  const task = h('input', { name: 'task_id', value: filters.task_id, placeholder: 'task id (ULID)', spellcheck: 'false', autocomplete: 'off' });
  const schedule = h('input', { name: 'schedule_id', value: filters.schedule_id, placeholder: 'schedule id (ULID)', spellcheck: 'false', autocomplete: 'off' });
  const size = h('select', { name: 'limit' }, PAGE_SIZES.map((n) => h('option', { value: String(n), selected: n === filters.limit }, String(n))));
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
    field('Status', status), field('Task', task), field('Schedule', schedule), field('Per page', size),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filter'), h('a', { href: '#/jobs', class: 'button quiet' }, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, control] of [['status', status], ['task_id', task], ['schedule_id', schedule]]) {
      if (control.value.trim()) { query.set(name, control.value.trim()); }
    }
    if (Number(size.value) !== PAGE_SIZES[0]) { query.set('limit', size.value); }
    const hash = `#/jobs${query.size ? `?${query}` : ''}`;
    if (location.hash === hash) { refresh(); } else { ctx.navigate(hash); }
  });

  view.append(h('h1', null, 'Jobs'), form,
    h('div', { class: 'pager' }, newer, pageInfo, older),
    h('p', { class: 'muted small' }, 'Newest first; this page refreshes every 2 s.'),
    list);

  const refresh = async () => {
    const page = await get('v1/jobs', {
      limit: filters.limit, cursor: cursors.at(-1), status: filters.status, task_id: filters.task_id, schedule_id: filters.schedule_id,
    }, { signal: ctx.signal });
    next = page.next_cursor;
    older.disabled = !next;
    newer.disabled = cursors.length === 1;
    pageInfo.textContent = `Page ${cursors.length}`;
    render(list, JSON.stringify(page.items), table('Jobs', JOB_COLUMNS, page.items.map(jobRow),
      cursors.length === 1 ? 'No jobs match.' : 'No older jobs.'));
  };
  const turn = (action) => act(null, 'loading the page', async () => { action(); await refresh(); });
  older.addEventListener('click', () => turn(() => cursors.push(next)));
  newer.addEventListener('click', () => turn(() => cursors.pop()));
  await ctx.every(LIST_REFRESH_MS, refresh);
}

// ---- A job.

const TIMELINE = [
  ['Submitted', 'submitted_at'],
  ['Scheduled for', 'scheduled_for'],
  ['Permit requested', 'permit_requested_at'],
  ['Permit granted', 'permit_granted_at'],
  ['Started', 'started_at'],
  ['Finished', 'finished_at'],
];

/** Output shown at most (characters); older output is dropped from the view (the full log can be downloaded). */
const OUTPUT_KEPT = 256 * 1024;

export async function jobDetail(view, ctx, id) {
  id = id.toUpperCase();
  let job;
  try {
    job = await get(`v1/jobs/${id}`, null, { signal: ctx.signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !isKeyError(error)) {
      view.append(h('h1', null, 'Job not found'), h('p', null, error.detail, ' ', h('a', { href: '#/jobs' }, 'Back to the jobs.')));
      return;
    }
    throw error;
  }

  const header = h('div', { class: 'job-head' });
  const timeline = h('section', { class: 'panel', 'aria-labelledby': 'h-timeline' });
  const params = h('section', { class: 'panel', 'aria-labelledby': 'h-params' });
  const problem = h('section', { class: 'panel', 'aria-labelledby': 'h-error', hidden: true });
  const result = h('section', { class: 'panel', 'aria-labelledby': 'h-result', hidden: true });
  const artifacts = h('div');
  const output = outputPanel(id, ctx);
  const cancel = h('button', { type: 'button', class: 'danger', 'data-key': 'cancel' }, 'Cancel');
  const rerun = h('button', { type: 'button', class: 'primary', 'data-key': 'rerun' }, 'Rerun');
  const remove = h('button', { type: 'button', class: 'danger quiet', 'data-key': 'delete' }, 'Delete');
  const streamState = h('span', { class: 'muted small', role: 'status' });
  let deleted = false;
  let artifact = null; // the result artifact, once the job has ended

  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/jobs' }, '← Jobs')),
    h('h1', null, 'Job ', h('code', { class: 'id' }, id)),
    header,
    h('div', { class: 'actions toolbar' }, cancel, rerun, remove, streamState),
    h('div', { class: 'grid' }, timeline, params),
    problem,
    output.element,
    result,
    h('section', { class: 'panel', 'aria-labelledby': 'h-artifacts' }, h('h2', { id: 'h-artifacts' }, 'Artifacts'), artifacts));

  cancel.addEventListener('click', () => act(cancel, 'cancel', async () => {
    show((await post(`v1/jobs/${id}/$cancel`)).body);
    showDone(`Cancel of job ${id} requested.`);
  }));
  rerun.addEventListener('click', () => act(rerun, 'rerun', async () => {
    const accepted = (await post(`v1/jobs/${id}/$rerun`)).body;
    showDone(`Job ${accepted.job_id} started as a rerun of ${id}.`);
    ctx.navigate(`#/jobs/${accepted.job_id}`);
  }));
  remove.addEventListener('click', async () => {
    if (!await confirmAction(`Delete job ${id}? It is canceled if still running; its record and history are removed (its artifacts stay).`, 'Delete')) { return; }
    await act(remove, 'delete', async () => {
      await call('DELETE', `v1/jobs/${id}`);
      deleted = true;
      showDone(`Job ${id} deleted.`);
      ctx.navigate('#/jobs');
    });
  });

  function show(next) {
    job = next;
    const finished = FINISHED.has(job.status);
    cancel.disabled = finished;
    rerun.disabled = !finished;
    render(header, JSON.stringify(job), h('dl', { class: 'facts wide' },
      fact('Status', badge(job.status)),
      fact('Task', h('span', null, h('code', null, shorten(job.command, 120)), ' ', h('span', { class: 'muted' }, `(${job.task_type})`), ' ',
        h('a', { href: `#/jobs?task_id=${job.task_id}`, class: 'id small', title: 'Jobs of this task' }, job.task_id))),
      job.attempt > 1 ? fact('Attempt', String(job.attempt)) : null,
      job.exit_code !== null && job.exit_code !== undefined ? fact('Exit code', String(job.exit_code)) : null,
      job.progress ? fact('Progress', h('span', null,
        job.progress.percent !== null && job.progress.percent !== undefined ? h('progress', { max: '100', value: String(job.progress.percent) }, `${job.progress.percent}%`) : null,
        ' ', job.progress.percent !== null && job.progress.percent !== undefined ? `${job.progress.percent}% ` : '', job.progress.message ?? '')) : null,
      job.schedule_id ? fact('Schedule', h('a', { href: `#/jobs?schedule_id=${job.schedule_id}`, class: 'id' }, job.schedule_id)) : null,
      job.rerun_of ? fact('Rerun of', h('a', { href: `#/jobs/${job.rerun_of}`, class: 'id' }, job.rerun_of)) : null));
    render(timeline, JSON.stringify(TIMELINE.map(([, key]) => job[key])),
      h('h2', { id: 'h-timeline' }, 'Timeline'),
      h('ol', { class: 'timeline' }, TIMELINE.map(([label, key]) => h('li', { class: job[key] ? 'done' : 'todo', 'data-step': key },
        h('span', { class: 'step' }, label), when(job[key]),
        job[key] && key !== 'submitted_at' ? h('span', { class: 'muted small' }, ` +${between(job.submitted_at, job[key])}`) : null))));
    render(params, JSON.stringify(job.params),
      h('h2', { id: 'h-params' }, 'Params'),
      job.params ? h('pre', { class: 'code' }, json(job.params)) : h('p', { class: 'muted' }, job.task_type === 'shell' ? 'A shell job (its environment is not shown).' : 'No params.'));
    showProblem();
  }

  function showProblem() {
    const stack = artifact?.data?.error?.stack;
    problem.hidden = !job.error;
    if (job.error) {
      render(problem, JSON.stringify([job.error, stack]),
        h('h2', { id: 'h-error' }, 'Error'),
        h('p', { class: 'error-line' }, h('strong', null, job.error.type), ': ', job.error.message),
        stack ? h('pre', { class: 'code stack', 'aria-label': 'Stack trace' }, stack) : null);
    }
  }

  async function loadArtifacts() {
    const page = await get('v1/artifacts', { job_id: id, limit: 50 }, { signal: ctx.signal });
    render(artifacts, JSON.stringify(page.items), table(`Artifacts of job ${id}`, ['Artifact', 'Type', 'Size', 'Created', ''],
      page.items.map((a) => [
        h('span', null, h('code', { class: 'id' }, a.id), a.parent_id ? h('span', { class: 'muted small' }, ' (child)') : null),
        a.content_type, bytes(a.size_bytes), when(a.created_at),
        h('button', { type: 'button', class: 'quiet', 'data-key': `download-${a.id}`, onclick: (event) => act(event.currentTarget, 'download', () => download(`v1/artifacts/${a.id}/$download`, `${a.id}`)) }, 'Download'),
      ]), job.artifact_id && !FINISHED.has(job.status) ? 'The result artifact is written when the job ends.' : 'No artifacts.'));
    if (job.artifact_id && FINISHED.has(job.status) && !artifact) {
      try {
        artifact = await get(`v1/artifacts/${job.artifact_id}`, null, { signal: ctx.signal });
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) { throw error; }
      }
      showProblem();
      showResult();
      output.fromArtifact(artifact);
    }
  }

  function showResult() {
    const data = artifact?.data;
    result.hidden = !data;
    if (!data) { return; }
    render(result, JSON.stringify(data),
      h('h2', { id: 'h-result' }, 'Result'),
      job.task_type === 'shell'
        ? h('p', null, `Exit code ${data.exit_code ?? '—'}`, data.truncated ? '; the output was longer than the inline limit (the full streams are child artifacts below).' : '.')
        : h('pre', { class: 'code' }, json(data.result ?? null)));
  }

  show(job);
  await output.start(job);
  act(null, 'loading the artifacts', loadArtifacts);

  // Follow the job over SSE until it has ended; reconnect when the server ends a stream early (its maximum duration).
  (async () => {
    let delay = 1000;
    while (!ctx.signal.aborted && !deleted) {
      const wasFinished = FINISHED.has(job.status);
      streamState.textContent = wasFinished ? '' : 'Live';
      try {
        await follow(`v1/jobs/${id}/$stream`, output.streamQuery(job), (name, data) => {
          if (name === 'job') {
            const next = JSON.parse(data);
            const ended = FINISHED.has(next.status) && !FINISHED.has(job.status);
            show(next);
            if (ended) { act(null, 'loading the artifacts', loadArtifacts); }
          } else if (name === 'output') {
            output.append(JSON.parse(data));
          } else if (name === 'deleted') {
            deleted = true;
          }
        }, ctx.signal);
        delay = 1000;
      } catch (error) {
        if (error?.name === 'AbortError') { return; }
        if (isKeyError(error)) { showError(error); return; }
        if (error instanceof ApiError && error.status === 404) { deleted = true; } else {
          streamState.textContent = 'Reconnecting…';
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, 10000);
          continue;
        }
      }
      if (deleted) {
        streamState.textContent = 'This job was deleted.';
        cancel.disabled = true;
        rerun.disabled = true;
        return;
      }
      if (FINISHED.has(job.status)) {
        streamState.textContent = '';
        return;
      }
    }
  })();
}

function fact(label, value) {
  return h('div', null, h('dt', null, label), h('dd', null, value));
}

/**
 * The live output of a job: the `output` events of `$stream?output=true` while it runs, the end of `$logs` once it
 * has ended. An app without live output (no `$logs`: 404 without a problem document) says so, and shows what the
 * result artifact saved (a shell job's stdout and stderr) once the job has ended.
 */
function outputPanel(id, ctx) {
  const pre = h('pre', { class: 'output', tabindex: '0', 'aria-label': 'Job output' });
  const note = h('p', { class: 'muted small', role: 'status' });
  const downloadLog = h('button', { type: 'button', class: 'quiet', hidden: true }, 'Download the whole log');
  downloadLog.addEventListener('click', () => act(downloadLog, 'download the log', () => download(`v1/jobs/${id}/$logs`, `job-${id}.log`)));
  const element = h('section', { class: 'panel', 'aria-labelledby': 'h-output' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'h-output' }, 'Output'), downloadLog), note, pre);
  let available = null;
  let length = 0;
  let streamed = false;

  const clear = () => { pre.replaceChildren(); length = 0; };
  const write = (stream, text) => {
    if (!text) { return; }
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    pre.append(h('span', { class: `out ${stream}` }, text));
    length += text.length;
    while (length > OUTPUT_KEPT && pre.firstChild) {
      length -= pre.firstChild.textContent.length;
      pre.firstChild.remove();
      note.textContent = 'Earlier output is not shown here; download the whole log.';
    }
    if (atBottom) { pre.scrollTop = pre.scrollHeight; }
  };

  return {
    element,
    async start(job) {
      try {
        // The last bytes of the log: says whether this app has live output, and shows the end of a finished job's log.
        const tail = await call('GET', `v1/jobs/${id}/$logs`, {
          headers: { Range: `bytes=-${OUTPUT_KEPT}` }, allow: [416], accept: 'text', signal: ctx.signal,
        });
        available = true;
        downloadLog.hidden = false;
        if (FINISHED.has(job.status)) {
          if (tail.status === 206 && /\/(\d+)$/.exec(tail.headers.get('content-range') ?? '')?.[1] > OUTPUT_KEPT) {
            note.textContent = `The last ${OUTPUT_KEPT / 1024} KiB of the log; download the whole log for all of it.`;
          }
          write('log', tail.status === 416 ? '' : tail.body);
          if (tail.status === 416 || !tail.body) { note.textContent = 'This job wrote no output.'; }
        } else {
          note.textContent = 'Live: output appears as the job writes it.';
        }
      } catch (error) {
        if (error?.name === 'AbortError' || isKeyError(error)) { throw error; }
        available = false;
        if (error instanceof ApiError && error.status === 404 && !error.problem) {
          note.textContent = 'Live output is not available in this version of the app (it has no $logs endpoint).';
        } else {
          note.textContent = `The output could not be read: ${error.title}: ${error.detail}`;
        }
      }
    },
    /** $stream's query: output events while the job runs and the app has them. */
    streamQuery(job) {
      if (!available || FINISHED.has(job.status)) { return null; }
      clear(); // a (re)connected stream sends the output from its start
      streamed = true;
      return { output: 'true' };
    },
    append(event) {
      if (note.textContent.startsWith('Live')) { note.textContent = ''; }
      write(event.stream, event.text);
    },
    /** What the result artifact saved, for an app without live output. */
    fromArtifact(artifact) {
      if (available !== false || !artifact?.data) { return; }
      clear();
      if (typeof artifact.data.stdout === 'string' || typeof artifact.data.stderr === 'string') {
        write('stdout', artifact.data.stdout ?? '');
        write('stderr', artifact.data.stderr ?? '');
        note.textContent += ' Shown: the stdout and stderr saved in the result artifact.';
      }
    },
    get streamed() { return streamed; },
  };
}
