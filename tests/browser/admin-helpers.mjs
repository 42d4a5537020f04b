// Helpers of the admin pages' browser tests: TOTP codes (RFC 6238) computed here from the
// agent's secret, agents made by `portal agent create` and by an admin through the API,
// agent sessions for node's own calls, and a request sent through the citizens' API.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, emailedCode, emailedLink, freshEmail } from './helpers.mjs';
import { birthCertificate, pdfBytes, SERVICE } from './journey.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The portal binary that created the data directory (`cargo xtask test` builds target/debug/portal). */
const PORTAL_BIN = process.env.PORTAL_BIN || join(ROOT, 'target', 'debug', 'portal');
/** The running portal's data directory: `PORTAL_DATA_DIR`, else the one `cargo xtask test` uses. */
const DATA_DIR = process.env.PORTAL_DATA_DIR || join(ROOT, 'target', 'browser-test-data');

function base32(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(c);
    assert.ok(value >= 0, `base32 secret: unexpected « ${c} »`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP code (HMAC-SHA1, 30-second steps) of `secret` at `at` ms, `steps` steps later. */
export function totp(secret, { at = Date.now(), steps = 0 } = {}) {
  const counter = Math.floor(at / 1000 / 30) + steps;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32(secret)).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, '0');
}

/** A code that is not the secret's, whatever the moment (a step far away). */
export function wrongCode(secret) {
  const near = new Set([-1, 0, 1, 2].map((steps) => totp(secret, { steps })));
  for (let steps = 1000; ; steps += 1) {
    const code = totp(secret, { steps });
    if (!near.has(code)) return code;
  }
}

/** The secret in an otpauth:// URI. */
const secretOf = (uri) => new URL(uri).searchParams.get('secret');

/**
 * `portal agent create` on the running portal's data directory: { email, name, password, secret }.
 * It prints the one-time password, the TOTP secret and the otpauth URI.
 */
export async function createAgentByCli({ email = freshEmail('admin'), name = 'Alice Admin', role = 'admin', services = [] } = {}) {
  const args = ['agent', 'create', '--email', email, '--name', name, '--role', role, '--data-dir', DATA_DIR,
    ...services.flatMap((s) => ['--service', s])];
  const { stdout } = await promisify(execFile)(PORTAL_BIN, args, { env: { ...process.env, RUST_LOG: 'warn' } });
  const uri = stdout.match(/otpauth:\/\/\S+/)?.[0];
  assert.ok(uri, `an otpauth:// URI in the output of portal agent create:\n${stdout}`);
  const password = stdout.match(/(?:mot de passe|password)[^:\n]*:\s*(\S[^\n]*)/i)?.[1]?.trim();
  assert.ok(password, `a password in the output of portal agent create:\n${stdout}`);
  return { email, name, role, password, secret: secretOf(uri) };
}

/** An agent's session for node's own calls (cookie `gru_agent`), with the API's JSON. */
export class AgentSession {
  constructor(cookie) { this.cookie = cookie; }

  /** Sign `agent` in with the code of `steps` steps from now (a code serves once). */
  static async signIn(agent, { steps = 0 } = {}) {
    const response = await fetch(`${BASE}/api/accounts/agents/signin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-GRU-CSRF': '1' },
      body: JSON.stringify({ email: agent.email, password: agent.password, code: totp(agent.secret, { steps }) }),
    });
    assert.equal(response.status, 200, `agent sign-in: ${response.status} ${await response.clone().text()}`);
    const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('gru_agent='));
    assert.ok(cookie, 'the agent session cookie');
    return new AgentSession(cookie);
  }

  async call(method, path, body) {
    const response = await fetch(BASE + path, {
      method,
      headers: {
        Accept: 'application/json', Cookie: this.cookie,
        ...(method === 'GET' ? {} : { 'Content-Type': 'application/json', 'X-GRU-CSRF': '1' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async json(method, path, body, expected = [200, 201]) {
    const { status, body: answer } = await this.call(method, path, body);
    assert.ok([].concat(expected).includes(status), `${method} ${path}: ${status} ${JSON.stringify(answer)}`);
    return answer;
  }

  /** An admin creates an agent: { email, name, role, password, secret, id }. */
  async createAgent({ email = freshEmail('agent'), name, role = 'agent', services = [] }) {
    const created = await this.json('POST', '/api/accounts/agents', { email, name, role, services }, 201);
    return { email, name, role, id: created.agent.id, password: created.password, secret: secretOf(created.totp_uri) };
  }
}

/** A PUT/POST of the citizens' API with the CSRF header (no session: a draft is its own key). */
async function citizenCall(method, path, body, headers = {}) {
  const response = await fetch(BASE + path, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-GRU-CSRF': '1', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The birth certificate's answers as the API takes them (dotted paths nested, numbers as numbers). */
function answersOf(email) {
  const answers = {};
  for (const [, page] of birthCertificate(email)) {
    for (const [path, value] of Object.entries(page)) {
      const keys = path.split('.');
      let target = answers;
      for (const key of keys.slice(0, -1)) target = (target[key] ??= {});
      target[keys.at(-1)] = /^\d+$/.test(value) && keys.at(-1) === 'copies' ? Number(value) : value;
    }
  }
  return answers;
}

/**
 * A birth-certificate request sent through the citizens' API, without an account, its
 * documents uploaded as PDFs: { reference, tracking_url, email }.
 */
export async function submitRequest(email = freshEmail('demandeur')) {
  const draft = await citizenCall('POST', '/api/submissions/drafts', { service: SERVICE });
  const pages = birthCertificate(email).map(([page]) => page);
  const saved = await citizenCall('PUT', `/api/submissions/drafts/${draft.id}`, { answers: answersOf(email), page: pages.at(-1), version: draft.version });
  const checklist = await (await fetch(`${BASE}/api/attachments/drafts/${draft.id}`)).json();
  for (const doc of checklist.documents.filter((d) => d.missing)) {
    const bytes = pdfBytes(doc.title);
    const grant = await citizenCall('POST', `/api/attachments/drafts/${draft.id}/files`,
      { document: doc.id, name: `${doc.id}.pdf`, type: 'application/pdf', size: bytes.length, replaces: null });
    const upload = await fetch(new URL(grant.upload.url, BASE), {
      method: grant.upload.method || 'PUT', headers: Object.fromEntries(grant.upload.headers || []), body: bytes,
    });
    assert.ok(upload.ok, `upload: ${upload.status}`);
    await citizenCall('POST', `/api/attachments/drafts/${draft.id}/files/${grant.file.id}/confirm`, {});
  }
  await citizenCall('POST', `/api/submissions/drafts/${draft.id}/email`, { email });
  const code = await emailedCode(email);
  const receipt = await citizenCall('POST', `/api/submissions/drafts/${draft.id}/submit`, { code }, { 'Idempotency-Key': randomUUID() });
  assert.ok(saved && receipt.reference, 'a reference');
  return { ...receipt, email };
}

/** A citizen account, verified through the emailed link: { email, password }. */
export async function citizenAccount(email = freshEmail('compte'), password = 'une phrase de passe assez longue') {
  await citizenCall('POST', '/api/accounts/signup', { email, password, name: 'Léa Martin' });
  const link = await emailedLink(email, /Confirmez votre adresse/, /^\/compte\/verifier\.html$/);
  await citizenCall('POST', '/api/accounts/signup/verify', { token: decodeURIComponent(new URL(link, BASE).hash.slice(1)) });
  return { email, password };
}
