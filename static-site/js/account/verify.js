// compte/verifier.html#<token>: the sign-up link; creates the account and signs in.
import { accounts } from '../api.js';
import { openLink } from './link-page.js';

await openLink({ titleKey: 'verify.title', use: accounts.verify, next: '/compte/?bienvenue' });
