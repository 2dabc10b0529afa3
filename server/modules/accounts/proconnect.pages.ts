import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { anonymousCsrfToken, publicAccess, setSessionCookie } from '../../plugins/auth.ts';
import type { ProConnectConfig } from '../../config.ts';
import { DomainError } from '../../shared/problem.ts';
import { randomToken } from '../../shared/secrets.ts';
import * as accounts from './accounts.service.ts';
import { ProConnectClient, ProConnectRefused, ProConnectUnavailable, type FlowSecrets, type ProConnectIdentity } from './proconnect.client.ts';
import { acceptInvitationWithProConnect, matchProConnectUser } from './proconnect.service.ts';
import { safeReturnPath } from './return-path.ts';

const hide = { hide: true };
const clients = new WeakMap<ProConnectConfig, ProConnectClient>();

/** One client (and one discovery) per configuration, shared by sign-in and logout. */
function clientFor(settings: ProConnectConfig): ProConnectClient {
  let client = clients.get(settings);
  if (!client) clients.set(settings, (client = new ProConnectClient(settings)));
  return client;
}
const FLOW_COOKIE = 'pn_proconnect';
const FLOW_COOKIE_PATH = '/connexion/proconnect';
/** Time allowed at the provider between leaving and coming back. */
const FLOW_SECONDS = 600;

/** The flow's secrets, kept by the browser in a signed httpOnly cookie until the provider sends it back. */
const flowSchema = z.object({
  state: z.string().min(1).max(200),
  nonce: z.string().min(1).max(200),
  codeVerifier: z.string().min(1).max(200),
  retour: z.string().max(1000),
  invitation: z.string().max(200).optional(),
  until: z.number().int(),
});
type Flow = z.infer<typeof flowSchema>;

function readFlow(request: FastifyRequest, nowMs: number): Flow | null {
  const raw = request.cookies[FLOW_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  try {
    const flow = flowSchema.parse(JSON.parse(unsigned.value));
    return flow.until > nowMs ? flow : null;
  } catch {
    return null;
  }
}

const UNAVAILABLE = 'ProConnect est momentanément indisponible : réessayez dans quelques minutes, ou connectez-vous avec votre mot de passe.';
const REFUSED = 'La connexion avec ProConnect n’a pas abouti (lien expiré, déjà utilisé ou ne venant pas de ce site) : recommencez depuis le bouton « S’identifier avec ProConnect ».';

/**
 * ProConnect sign-in (OpenID Connect, authorization code with PKCE, state and nonce), its use to
 * accept an invitation, and the return from the provider's logout. Registered only when configured.
 */
export const proconnectPages: FastifyPluginAsync = async (app) => {
  const settings = app.config.proconnect;
  if (!settings) return;
  const client = clientFor(settings);
  const deps = { db: app.db, clock: app.clock };

  const renderLogin = (reply: FastifyReply, status: number, formError: string, retour?: string) =>
    reply.code(status).renderPage('pages/accounts/login.eta', {
      title: 'Connexion',
      loginCsrfToken: anonymousCsrfToken(reply),
      proconnect: true,
      retour: retour ?? '',
      formError,
    });

  const start = async (reply: FastifyReply, retour: string, invitation?: string) => {
    let started: { url: string; secrets: FlowSecrets };
    try {
      started = await client.startSignIn();
    } catch (error) {
      if (!(error instanceof ProConnectUnavailable)) throw error;
      return renderLogin(reply, 503, UNAVAILABLE, retour);
    }
    const flow: Flow = { ...started.secrets, retour, invitation, until: app.clock.now().getTime() + FLOW_SECONDS * 1000 };
    reply.setCookie(FLOW_COOKIE, JSON.stringify(flow), {
      path: FLOW_COOKIE_PATH,
      httpOnly: true,
      // Lax: the provider's redirect back is a top-level navigation from another site.
      sameSite: 'lax',
      secure: app.config.secureCookies,
      signed: true,
      maxAge: FLOW_SECONDS,
    });
    return reply.redirect(started.url, 303);
  };

  app.get('/connexion/proconnect', { schema: hide, config: publicAccess }, async (request, reply) => {
    if (request.actor) return reply.redirect('/tableau-de-bord', 303);
    return start(reply, safeReturnPath((request.query as Record<string, unknown>).retour));
  });

  const tokenParams = z.object({ token: z.string().min(10).max(200) });
  app.get('/invitation/:token/proconnect', { schema: hide, config: publicAccess }, async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    accounts.describeInvitation({ ...deps, token }); // a dead invitation is refused before leaving for the provider
    return start(reply, '/tableau-de-bord', token);
  });

  app.get('/connexion/proconnect/retour', { schema: hide, config: publicAccess }, async (request, reply) => {
    const flow = readFlow(request, app.clock.now().getTime());
    // Used once, whatever the outcome: a second visit with the same answer finds no secrets.
    reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
    if (!flow) return renderLogin(reply, 400, REFUSED);
    const at = request.url.indexOf('?');
    const query = at === -1 ? '' : request.url.slice(at);
    if ((request.query as Record<string, unknown>).error === 'access_denied') {
      return renderLogin(reply, 403, 'La connexion avec ProConnect a été annulée.', flow.retour);
    }
    let identity: ProConnectIdentity;
    try {
      identity = await client.finishSignIn(query, flow);
    } catch (error) {
      if (error instanceof ProConnectRefused) return renderLogin(reply, 400, REFUSED, flow.retour);
      if (error instanceof ProConnectUnavailable) return renderLogin(reply, 503, UNAVAILABLE, flow.retour);
      throw error;
    }
    try {
      const user = flow.invitation
        ? acceptInvitationWithProConnect({ ...deps, token: flow.invitation, identity, ip: request.ip })
        : matchProConnectUser({ ...deps, identity, ip: request.ip });
      // ProConnect counts as the second factor: no TOTP is asked at sign-in (see second-factor-gate).
      const { sessionToken } = accounts.openSession({ ...deps, user, ip: request.ip, authMethod: 'proconnect', secondFactor: true, idTokenHint: identity.idToken });
      setSessionCookie(reply, sessionToken, app.config.secureCookies);
      return reply.redirect(safeReturnPath(flow.retour), 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderLogin(reply, error.status, error.message, flow.retour);
    }
  });

  // Where the provider sends the person back after ending its own session.
  app.get('/connexion/proconnect/deconnexion', { schema: hide, config: publicAccess }, async (_request, reply) =>
    reply.redirect('/connexion?message=deconnecte', 303),
  );

};

/** Where logout sends a ProConnect session: the provider's end-session URL, or null (not configured, unreachable). */
export async function proconnectLogoutUrl(settings: ProConnectConfig | undefined, idTokenHint: string | null): Promise<string | null> {
  if (!settings || !idTokenHint) return null;
  return clientFor(settings).endSessionUrl(idTokenHint, randomToken());
}
