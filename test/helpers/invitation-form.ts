import type { Test } from 'tap';
import { buildTestApp, loginAs } from './app.ts';
import { seedWorld } from './fixtures.ts';

/**
 * The buyer's admin invites an agent with the form of /mon-organisation; the answer is checked to
 * be a 303 back to that page (POST/redirect/GET: a reload of the page shown after the form never
 * re-posts it). Returns the app, the world, the admin's session and the form's answer.
 */
export async function inviteAgentFromPage(t: Test, invited: { name: string; email: string }) {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const res = await admin.inject({ method: 'POST', url: '/mon-organisation/utilisateurs', payload: { ...invited, role: 'agent', _csrf: admin.csrfToken } });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/mon-organisation');
  return { app, db, world, admin, res };
}
