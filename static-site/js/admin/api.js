// The agents' calls to the API: sign-in and agent administration (/api/accounts/agents),
// the inbox, request detail and actions (/api/tracking), the thread (/api/messaging),
// files (/api/attachments), indicators and exports (/api/reporting). Every call goes through api.js's helpers (CSRF header, problems).
import { getJson, sendJson } from '../api.js';

const post = (path, body, opts) => sendJson('POST', path, body, opts);
const enc = encodeURIComponent;

/** /api/accounts/agents: sign-in with a TOTP code, the signed-in agent, administration. */
export const agents = {
  signin: (email, password, code) => post('accounts/agents/signin', { email, password, code }),
  signout: () => post('accounts/agents/signout'),
  me: () => getJson('accounts/agents/me'),
  list: () => getJson('accounts/agents'),
  create: (agent) => post('accounts/agents', agent),
  update: (id, changes) => sendJson('PUT', `accounts/agents/${enc(id)}`, changes),
};

/** /api/submissions, agents' side: a request received by phone, email, post or at the counter. */
export const recording = {
  /** body: { service, channel, citizen: { email, name }, answers }; the key makes a retry safe. */
  record: (body, key) => post('submissions/agent/requests', body, { headers: { 'Idempotency-Key': key } }),
};

/** /api/tracking: the inbox, one request, its transitions and assignee, colleagues. */
export const tracking = {
  /** params: { service, phase, status, assignee, due, channel, sort, q } (empty ones left out). */
  inbox: (params, opts) => getJson('tracking/inbox', params, opts),
  request: (reference) => getJson(`tracking/requests/${enc(reference)}`),
  letter: (reference) => getJson(`tracking/requests/${enc(reference)}/letter`),
  transition: (reference, { to, version, comment, reason }) => post(`tracking/requests/${enc(reference)}/transitions`, { to, version, comment, reason }),
  /** agent: an agent id, or null to leave the request unassigned. */
  assign: (reference, { agent, version }) => post(`tracking/requests/${enc(reference)}/assignee`, { agent, version }),
  colleagues: (service) => getJson('tracking/agents', { service }),
};

/** /api/reporting/indicators: the city's figures, for supervisors and admins. */
export const indicators = {
  /** params: { from, to, service, channel } (empty ones left out). */
  read: (params, opts) => getJson('reporting/indicators', params, opts),
};

/** /api/reporting/exports: a service's requests as a file, built in steps. */
export const exports = {
  /** order: { service, from, to, fields: [...], format: 'csv' | 'ods' }; answers its progress. */
  start: (order) => post('reporting/exports', order),
  next: (id) => post(`reporting/exports/${enc(id)}/next`),
  progress: (id) => getJson(`reporting/exports/${enc(id)}`),
};

/** /api/messaging, agents' side: the thread with its internal notes. */
export const messaging = {
  thread: (reference) => getJson(`messaging/agent/requests/${enc(reference)}/thread`),
  /** { text, internal, ask: { version } | undefined, files: [file id] | undefined } */
  send: (reference, message) => post(`messaging/agent/requests/${enc(reference)}/thread`, message),
};

/** /api/attachments, agents' side: files of the thread, downloads of any file of a request. */
export const files = {
  download: (reference, file) => post(`attachments/agent/requests/${enc(reference)}/files/${enc(file)}/download`, {}),
  grant: (reference, { name, type, size }) => post(`attachments/agent/requests/${enc(reference)}/thread-files`, { name, type, size }),
  confirm: (reference, file) => post(`attachments/agent/requests/${enc(reference)}/thread-files/${enc(file)}/confirm`, {}),
};

/** /api/booking, agents' side: their agendas, the planning, appointments taken for a citizen, attendance, closures. */
export const planning = {
  agendas: () => getJson('booking/agent/agendas'),
  /** params: { agenda | place, from (YYYY-MM-DD), days (1..=7) } */
  days: (params, opts) => getJson('booking/agent/planning', params, opts),
  /** body: { agenda, type, start, name, email?, phone?, channel, override_notice?, reference? } */
  book: (body, key) => post('booking/agent/appointments', body, { headers: { 'Idempotency-Key': key } }),
  attendance: (id, status) => post(`booking/agent/appointments/${enc(id)}/attendance`, { status }),
  cancel: (id, reason) => post(`booking/agent/appointments/${enc(id)}/cancel`, { reason }),
  close: (agenda, { from, until, reason }) => post(`booking/agent/agendas/${enc(agenda)}/closures`, { from, until, reason }),
};
