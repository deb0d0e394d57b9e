// Talking to the FuncTasks API: the keys (kept in sessionStorage, sent only as headers, never in a URL), requests
// whose refusals become ApiError (problem details), Server-Sent Events read over fetch (EventSource cannot send
// headers), and downloads of what needs the key.

// The page is /api/dashboard and this file /api/dashboard/api.js: the API is one level up.
export const apiBase = new URL('../', import.meta.url);

const FUNCTION_KEY = 'functasks.functionKey';
const API_KEY = 'functasks.apiKey';

export const keys = {
  get functionKey() { return sessionStorage.getItem(FUNCTION_KEY); },
  get apiKey() { return sessionStorage.getItem(API_KEY); },
  get signedIn() { return sessionStorage.getItem(FUNCTION_KEY) !== null; },
  set(functionKey, apiKey) {
    sessionStorage.setItem(FUNCTION_KEY, functionKey ?? '');
    if (apiKey) { sessionStorage.setItem(API_KEY, apiKey); } else { sessionStorage.removeItem(API_KEY); }
  },
  clear() {
    sessionStorage.removeItem(FUNCTION_KEY);
    sessionStorage.removeItem(API_KEY);
  },
};

/** A refused or failed call. kind: 'function-key' | 'api-key' | 'problem' | 'http' | 'network'. */
export class ApiError extends Error {
  constructor(kind, status, problem, message) {
    super(message ?? problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.kind = kind;
    this.status = status;
    this.problem = problem;
  }

  get title() {
    if (this.problem?.title) { return this.problem.title; }
    switch (this.kind) {
      case 'function-key': return 'The function key was refused';
      case 'network': return 'The app could not be reached';
      default: return `The app answered ${this.status}`;
    }
  }

  get detail() { return this.problem?.detail ?? this.message; }
}

function headers(extra) {
  const h = new Headers(extra);
  const functionKey = keys.functionKey;
  if (functionKey) { h.set('x-functions-key', functionKey); }
  const apiKey = keys.apiKey;
  if (apiKey) { h.set('X-API-Key', apiKey); }
  return h;
}

function url(path, query) {
  const u = new URL(path.replace(/^\//, ''), apiBase);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') { u.searchParams.set(name, value); }
  }
  return u;
}

async function refusal(response) {
  const type = response.headers.get('content-type') ?? '';
  let problem = null;
  if (type.includes('json')) {
    try {
      problem = await response.json();
    } catch (error) {
      if (error.name === 'AbortError') { throw error; } // the view was left while the answer was read
      problem = null;
    }
  }
  const isProblem = problem && typeof problem.type === 'string' && problem.type.startsWith('urn:functasks:error:');
  if (response.status === 401 && isProblem && problem.type === 'urn:functasks:error:unauthorized') {
    return new ApiError('api-key', 401, problem);
  }
  if ((response.status === 401 || response.status === 403) && !isProblem) {
    // The Functions host refuses a missing or wrong function key with an empty body.
    return new ApiError('function-key', response.status, null,
      `The app answered ${response.status} without a problem document: the function key is missing or wrong.`);
  }
  if (isProblem) { return new ApiError('problem', response.status, problem); }
  return new ApiError('http', response.status, null, `The app answered ${response.status} ${response.statusText}`.trim());
}

/**
 * Sends a request and returns {status, body, etag, headers}; a status of 400 or more throws an ApiError.
 * options: query, body (JSON-serialized), ifMatch, signal, accept ('json' default, 'text', 'raw').
 */
export async function call(method, path, options = {}) {
  const h = headers(options.headers);
  let body;
  if (options.body !== undefined) {
    h.set('Content-Type', 'application/json');
    body = JSON.stringify(options.body);
  }
  if (options.ifMatch) { h.set('If-Match', options.ifMatch); }
  let response;
  try {
    response = await fetch(url(path, options.query), { method, headers: h, body, signal: options.signal, cache: 'no-store' });
  } catch (error) {
    if (error.name === 'AbortError') { throw error; }
    throw new ApiError('network', 0, null, `No answer from ${apiBase.origin}: ${error.message}`);
  }
  if (response.status >= 400 && !(options.allow ?? []).includes(response.status)) {
    throw await refusal(response);
  }
  const result = { status: response.status, etag: response.headers.get('ETag'), headers: response.headers, response };
  if (options.accept === 'raw') { return result; }
  if (response.status === 204) { return { ...result, body: null }; }
  const text = await response.text();
  if (options.accept === 'text') { return { ...result, body: text }; }
  try {
    return { ...result, body: text ? JSON.parse(text) : null };
  } catch {
    throw new ApiError('http', response.status, null, `The app answered ${response.status} with something that is not JSON.`);
  }
}

export const get = (path, query, options = {}) => call('GET', path, { ...options, query }).then((r) => r.body);
export const post = (path, body, options = {}) => call('POST', path, { ...options, body });

/**
 * Reads Server-Sent Events from path until the server ends the stream or signal aborts; onEvent(name, data) for each.
 * Resolves when the stream ends; throws ApiError when the request is refused.
 */
export async function follow(path, query, onEvent, signal) {
  const { response } = await call('GET', path, { query, signal, accept: 'raw', headers: { Accept: 'text/event-stream' } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let name = 'message';
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) { return; }
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      if (line === '') {
        if (data.length > 0) { onEvent(name, data.join('\n')); }
        name = 'message';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') { name = text; } else if (field === 'data') { data.push(text); }
      }
    }
  }
}

/** Fetches path with the keys and saves it as a file (the browser's download), named as the server says. */
export async function download(path, fallbackName) {
  const { response } = await call('GET', path, { accept: 'raw' });
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  return name;
}
