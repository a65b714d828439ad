/**
 * Imported first by main.tsx, before any module builds or runs a schema: the page's CSP
 * forbids eval, and without `jitless` zod probes `new Function` on first use, which the
 * browser reports as a CSP violation.
 */

import { z } from 'zod';

z.config({ jitless: true });
