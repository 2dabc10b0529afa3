import * as oidc from 'openid-client';
import type { ProConnectConfig } from '../../config.ts';

/** ProConnect asks for these: the e-mail to match the account, the SIRET of the agent's organisation. */
const SCOPE = 'openid email given_name usual_name siret';

/** What the provider proved about the person, from the ID token and the UserInfo response. */
export interface ProConnectIdentity {
  sub: string;
  email: string;
  /** Absent when the provider does not send it (ProConnect only sends verified addresses). */
  emailVerified: boolean | undefined;
  siret: string | null;
  idToken: string;
}

/** The provider could not be reached or answered something unusable: the page says so in French. */
export class ProConnectUnavailable extends Error {}

/** The authorization response or the token exchange was refused (bad state, replayed code, wrong nonce…). */
export class ProConnectRefused extends Error {}

/** What the browser keeps between leaving for the provider and coming back (in a signed cookie). */
export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * The OpenID Connect client of ProConnect: discovery once (retried after a failure), then the
 * authorization code flow with PKCE, state and nonce. Knows nothing of accounts or pages.
 */
export class ProConnectClient {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: ProConnectConfig) {}

  private discover(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const insecure = this.settings.issuer.startsWith('http://'); // only allowed on loopback (config)
      this.configuration = oidc
        .discovery(
          new URL(this.settings.issuer),
          this.settings.clientId,
          // ProConnect signs its UserInfo answers as JWTs; a provider sending JSON is accepted too.
          { client_secret: this.settings.clientSecret, id_token_signed_response_alg: 'RS256' },
          oidc.ClientSecretPost(this.settings.clientSecret),
          insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
        )
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw new ProConnectUnavailable(String(error));
        });
    }
    return this.configuration;
  }

  /** Fresh secrets and the provider's URL to send the browser to. */
  async startSignIn(): Promise<{ url: string; secrets: FlowSecrets }> {
    const config = await this.discover();
    const secrets: FlowSecrets = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: SCOPE,
      state: secrets.state,
      nonce: secrets.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, secrets };
  }

  /** The provider's answer at the redirect URI, checked against the secrets and exchanged for the identity. */
  async finishSignIn(callbackQuery: string, secrets: FlowSecrets): Promise<ProConnectIdentity> {
    const config = await this.discover();
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      // The URL is rebuilt from PUBLIC_URL, not from the Host header the request came with.
      tokens = await oidc.authorizationCodeGrant(config, new URL(`${this.settings.redirectUri}${callbackQuery}`), {
        pkceCodeVerifier: secrets.codeVerifier,
        expectedState: secrets.state,
        expectedNonce: secrets.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      // Refusals: an error answer (invalid_grant for a replayed code), a response that fails the
      // checks (state, nonce, issuer, signature). Anything else (network) means unavailable.
      const refused =
        error instanceof oidc.ResponseBodyError ||
        error instanceof oidc.AuthorizationResponseError ||
        (error instanceof Error && 'code' in error && String(error.code).startsWith('OAUTH_'));
      throw refused ? new ProConnectRefused(String(error)) : new ProConnectUnavailable(String(error));
    }
    const idClaims = tokens.claims()!;
    let info: oidc.UserInfoResponse;
    try {
      info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    } catch (error) {
      throw new ProConnectUnavailable(String(error));
    }
    const claims = { ...idClaims, ...info } as Record<string, unknown>;
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    return {
      sub: idClaims.sub,
      email,
      emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined,
      siret: typeof claims.siret === 'string' ? claims.siret : null,
      idToken: tokens.id_token!,
    };
  }

  /** The provider's end-session URL that also ends its own session, or null when it has none. */
  async endSessionUrl(idTokenHint: string, state: string): Promise<string | null> {
    try {
      const config = await this.discover();
      if (!config.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(config, { id_token_hint: idTokenHint, post_logout_redirect_uri: this.settings.postLogoutRedirectUri, state }).href;
    } catch {
      return null;
    }
  }
}
