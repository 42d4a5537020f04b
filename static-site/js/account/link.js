// compte/lien.html#<token>: the one-time sign-in link.
import { accounts } from '../api.js';
import { openLink } from './link-page.js';

await openLink({ titleKey: 'link.title', use: accounts.confirmLink, next: '/compte/' });
