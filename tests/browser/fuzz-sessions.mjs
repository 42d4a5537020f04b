// The sessions `cargo xtask fuzz` (and the fuzzing step of `cargo xtask test`) gives
// schemathesis, made on the running portal as a person would: a citizen account
// verified through its emailed link and signed in, and an admin made by `portal agent
// create` and signed in with a TOTP code. Prints two lines: the citizen's cookie
// (`gru_session=…`), then the admin's (`gru_agent=…`).
import assert from 'node:assert/strict';
import { AgentSession, citizenAccount, createAgentByCli } from './admin-helpers.mjs';
import { BASE, freshEmail } from './helpers.mjs';

const { email, password } = await citizenAccount(freshEmail('fuzz'));
const signedIn = await fetch(`${BASE}/api/accounts/signin`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-GRU-CSRF': '1' },
  body: JSON.stringify({ email, password }),
});
assert.equal(signedIn.status, 200, `citizen sign-in: ${signedIn.status} ${await signedIn.clone().text()}`);
const citizen = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('gru_session='));
assert.ok(citizen, 'the citizen session cookie');
const admin = await AgentSession.signIn(await createAgentByCli({ email: freshEmail('fuzz-admin') }));
console.log(citizen);
console.log(admin.cookie);
