import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person known to the test provider, with the claims ProConnect would send. */
export interface ProviderAccount {
  email: string;
  email_verified?: boolean;
  siret?: string;
}

export const TEST_CLIENT = { id: 'pass-numerique-test', secret: 'secret-du-client-de-test-0123456789' };

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1 and a random port, configured like
 * ProConnect: client_secret_post, PKCE, signed UserInfo, RP-initiated logout. Its login and
 * consent step is finished programmatically for the account the test names in `signInAs`.
 */
export async function startTestProvider(t: Teardown, options: { publicUrl: string; accounts: Record<string, ProviderAccount> }) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = { signInAs: '' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT.id,
        client_secret: TEST_CLIENT.secret,
        redirect_uris: [`${options.publicUrl}/connexion/proconnect/retour`],
        post_logout_redirect_uris: [`${options.publicUrl}/connexion/proconnect/deconnexion`],
        token_endpoint_auth_method: 'client_secret_post',
        userinfo_signed_response_alg: 'RS256',
      },
    ],
    scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], given_name: ['given_name'], usual_name: ['usual_name'], siret: ['siret'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true }, jwtUserinfo: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['cle-des-cookies-du-fournisseur-de-test'] },
    findAccount: async (_ctx, sub) => {
      const account = options.accounts[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account, given_name: 'Camille', usual_name: 'Agent' }) };
    },
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => console.error('oidc-provider:', error));
  const callback = provider.callback();

  // The provider's login page: the person "signs in" as state.signInAs and grants every scope asked.
  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const accountId = state.signInAs;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    void callback(req, res);
  });
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { issuer, state };
}

/**
 * A browser at the provider: follows its redirects with its cookies until it is sent back to the
 * service (a URL under publicUrl), which it returns without visiting.
 */
export async function browseProvider(startUrl: string, publicUrl: string, jar: Map<string, string> = new Map()): Promise<string> {
  let url = startUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(publicUrl)) return url;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider stopped at ${url} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects at the provider');
}
