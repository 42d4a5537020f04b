// Same-origin JSON API client. Failures throw ApiError carrying the problem+json detail.

export class ApiError extends Error {
  constructor({ status = 0, type = 'about:blank', title = '', detail = '', errors = [], retryAfter = null } = {}) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.type = type;
    this.title = title;
    this.detail = detail;
    /** Per-field errors of a problem: [{ field, message }] (field paths like `children[0].name`). */
    this.errors = Array.isArray(errors) ? errors : [];
    /** Seconds to wait before trying again (429), when the server says. */
    this.retryAfter = retryAfter;
  }
  get notFound() { return this.status === 404; }
  get unauthenticated() { return this.status === 401; }
  /** The problem kind: `urn:gru:problem:invalid-code` → `invalid-code`. */
  get kind() { return String(this.type).replace(/^urn:gru:problem:/, ''); }
}

async function request(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...init });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, type: 'network' });
  }
  const isJson = /json/.test(response.headers.get('content-type') || '');
  const body = isJson ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const retry = Number.parseInt(response.headers.get('retry-after') || '', 10);
    throw new ApiError({ ...(body || {}), status: response.status, retryAfter: Number.isFinite(retry) ? retry : null });
  }
  return { response, body };
}

/** GET /api/<path> with optional query params (empty values are left out). */
export async function getJson(path, params = {}, { signal } = {}) {
  const url = new URL(`/api/${path}`, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const { response, body } = await request(url, { headers: { Accept: 'application/json' }, signal });
  if (!body) throw new ApiError({ status: response.status, type: 'invalid-response' });
  return body;
}

/**
 * POST, PUT or DELETE /api/<path> with a JSON body. Every state-changing call carries
 * `X-GRU-CSRF: 1` (a cross-site form cannot). Resolves to the JSON answer, or null (204, 202 without body).
 */
export async function sendJson(method, path, body = undefined, { headers = {}, signal } = {}) {
  const { body: answer } = await request(new URL(`/api/${path}`, location.origin), {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-GRU-CSRF': '1', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  return answer;
}

/**
 * Tells the city a page was read or a search settled, for its indicators: sent even as
 * the page is left (`keepalive`), never awaited, and its failure never shown.
 */
export function count(path, body = undefined) {
  fetch(new URL(`/api/${path}`, location.origin), {
    method: 'POST',
    keepalive: true,
    headers: { 'Content-Type': 'application/json', 'X-GRU-CSRF': '1' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => {});
}

/**
 * A random UUID, for the Idempotency-Key of a submission the API may see twice (a request
 * sent, an appointment booked or recorded): made once per attempt and sent again with a
 * retry, so the retry can never act twice. crypto.randomUUID needs a secure context;
 * getRandomValues does not, hence the fallback (a version 4 UUID built by hand).
 */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const post = (path, body, opts) => sendJson('POST', path, body, opts);
const enc = encodeURIComponent;

export const api = {
  city: () => getJson('catalogue/city'),
  services: (params, opts) => getJson('catalogue/services', params, opts),
  service: (slug) => getJson(`catalogue/services/${enc(slug)}`),
  /** The service's form: the current version, or `version` (a draft keeps its own). */
  form: (slug, version) => getJson(`catalogue/services/${enc(slug)}/form`, { version }),
};

/** /api/submissions: drafts, evaluation, submission, tracking (docs/requests.md). */
export const submissions = {
  evaluate: (body) => post('submissions/evaluate', body),
  createDraft: (service) => post('submissions/drafts', { service }),
  draft: (id) => getJson(`submissions/drafts/${enc(id)}`),
  saveDraft: (id, { answers, page, version }) => sendJson('PUT', `submissions/drafts/${enc(id)}`, { answers, page, version }),
  sendCode: (id, email) => post(`submissions/drafts/${enc(id)}/email`, { email }),
  submit: (id, code, key) => post(`submissions/drafts/${enc(id)}/submit`, code ? { code } : {}, { headers: { 'Idempotency-Key': key } }),
  track: (token) => post('submissions/tracking', { token }),
  mine: () => getJson('submissions/mine'),
  request: (reference) => getJson(`submissions/requests/${enc(reference)}`),
};

/**
 * /api/attachments: the supporting documents of a draft (checklist, upload grants,
 * confirmation, removal) and downloads of a draft's or a request's files.
 */
export const attachments = {
  checklist: (draft) => getJson(`attachments/drafts/${enc(draft)}`),
  /** Ask an upload grant: { file, upload: { url, method, headers, expires_at } }. */
  grant: (draft, { document, name, type, size, replaces = null }) =>
    post(`attachments/drafts/${enc(draft)}/files`, { document, name, type, size, replaces }),
  confirm: (draft, file) => post(`attachments/drafts/${enc(draft)}/files/${enc(file)}/confirm`, {}),
  remove: (draft, file) => sendJson('DELETE', `attachments/drafts/${enc(draft)}/files/${enc(file)}`),
  draftDownload: (draft, file) => post(`attachments/drafts/${enc(draft)}/files/${enc(file)}/download`, {}),
  /** A file of a sent request: from the tracking link (token) or signed in (reference). */
  /** A file for a request's thread: from the tracking link (token) or signed in (reference). */
  threadGrant: ({ token, reference }, { name, type, size }) => (token
    ? post('attachments/tracking/thread-files', { token, name, type, size })
    : post(`attachments/requests/${enc(reference)}/thread-files`, { name, type, size })),
  threadConfirm: ({ token, reference }, file) => (token
    ? post(`attachments/tracking/thread-files/${enc(file)}/confirm`, { token })
    : post(`attachments/requests/${enc(reference)}/thread-files/${enc(file)}/confirm`, {})),
  requestDownload: ({ token, reference }, file) => (token
    ? post(`attachments/tracking/files/${enc(file)}/download`, { token })
    : post(`attachments/requests/${enc(reference)}/files/${enc(file)}/download`, {})),
};

/**
 * /api/messaging, the citizen's side: the thread of a request, from the tracking link
 * (token in the body) or signed in (reference); unread counts of the citizen's requests.
 */
export const messaging = {
  thread: ({ token, reference }) => (token
    ? post('messaging/tracking/thread', { token })
    : getJson(`messaging/requests/${enc(reference)}/thread`)),
  send: ({ token, reference }, text, files = []) => (token
    ? post('messaging/tracking/thread/messages', { token, text, files })
    : post(`messaging/requests/${enc(reference)}/thread`, { text, files })),
  unread: () => getJson('messaging/unread'),
};

/** Headers the browser sets itself and refuses to let a script set. */
const FORBIDDEN_HEADERS = new Set(['content-length', 'host', 'connection', 'expect', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'date']);

/**
 * Send `file` to storage with an upload grant (a URL on this portal, or a presigned URL on
 * another origin): XMLHttpRequest, because fetch reports no upload progress. No cookie,
 * no CSRF header: the grant is the permission. onProgress(loaded, total) as it goes.
 * Resolves when storage answers 2xx; rejects with an ApiError (status 0: network or
 * aborted, with `aborted` true when abort() was called).
 * Returns { promise, abort }.
 */
export function uploadFile(grant, file, { onProgress } = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open(grant.method || 'PUT', grant.url);
    for (const [name, value] of grant.headers || []) {
      if (!FORBIDDEN_HEADERS.has(String(name).toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        resolve();
      } else {
        let body = null;
        if (/json/.test(xhr.getResponseHeader('content-type') || '')) {
          try { body = JSON.parse(xhr.responseText); } catch { body = null; }
        }
        reject(new ApiError({ ...(body || {}), type: body?.type || 'upload-refused', status: xhr.status }));
      }
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, type: 'network' }));
    xhr.ontimeout = () => reject(new ApiError({ status: 0, type: 'network' }));
    xhr.onabort = () => reject(Object.assign(new ApiError({ status: 0, type: 'aborted' }), { aborted: true }));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

/** /api/accounts: sign-up, sign-in, links, password, profile. */
export const accounts = {
  me: () => getJson('accounts/me'),
  signup: (body) => post('accounts/signup', body),
  verify: (token) => post('accounts/signup/verify', { token }),
  signin: (email, password) => post('accounts/signin', { email, password }),
  sendLink: (email) => post('accounts/signin/link', { email }),
  confirmLink: (token) => post('accounts/signin/link/confirm', { token }),
  sendReset: (email) => post('accounts/password/reset', { email }),
  confirmReset: (token, password) => post('accounts/password/reset/confirm', { token, password }),
  changePassword: (current, password) => post('accounts/password/change', { current, password }),
  signout: () => post('accounts/signout'),
  signoutEverywhere: () => post('accounts/signout/everywhere'),
  updateProfile: (profile) => sendJson('PUT', 'accounts/me/profile', profile),
};

/**
 * /api/booking, the citizen's side: appointment types, free slots, a 10-minute hold on a
 * slot, the appointment itself; the emailed manage link (token in the body, never in a
 * URL); the signed-in citizen's appointments.
 */
export const booking = {
  types: () => getJson('booking/types'),
  /** params: { type, agenda?, from? (YYYY-MM-DD), days? } */
  availability: (params, opts) => getJson('booking/availability', params, opts),
  hold: ({ agenda, type, start }) => post('booking/holds', { agenda, type, start }),
  /** body: { hold, name, email?, phone?, reference? }; the key makes a retry safe. */
  book: (body, key) => post('booking/appointments', body, { headers: { 'Idempotency-Key': key } }),
  mine: () => getJson('booking/appointments'),
  cancelMine: (id) => post(`booking/appointments/${enc(id)}/cancel`, {}),
  manage: (token) => post('booking/manage', { token }),
  cancel: (token) => post('booking/manage/cancel', { token }),
  reschedule: (token, hold) => post('booking/manage/reschedule', { token, hold }),
};
