import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import { installFrenchValidationMessages } from './shared/french-errors.ts';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'attendu : true ou false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const secret = z.string().min(32, 'au moins 32 caractères');

/** One schema over the environment, parsed once at boot. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_PATH: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ message: 'URL absolue attendue, par exemple https://pass.example.gouv.fr' }).optional(),
  SESSION_SECRET: secret.optional(),
  PASS_CODE_SECRET: secret.optional(),
  BOOTSTRAP_ADMIN_EMAIL: z.email({ message: 'adresse e-mail invalide' }).optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12, 'au moins 12 caractères').max(256).optional(),
  DEMO_DATA: booleanFromEnv.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPERATOR_FEE_BASIS_POINTS: z.coerce.number().int().min(0).max(10000).default(0),
  GRACE_PERIOD_DAYS: z.coerce.number().int().min(0).max(366).default(31),
  // The operator's account debited by the monthly SEPA transfers to places. The defaults are a
  // well-formed demonstration account: a real deployment sets its own.
  OPERATOR_ACCOUNT_NAME: z.string().trim().min(1).max(70).default('Opérateur national du Pass numérique'),
  OPERATOR_IBAN: z.string().trim().min(15).max(40).default('FR7630006000011234567890189'),
  OPERATOR_BIC: z.string().trim().regex(/^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/, 'BIC invalide').default('AGRIFRPPXXX'),
  TRUST_PROXY: z.string().max(2000).optional(),
  MFA_REQUIRED: booleanFromEnv.optional(),
  // Operations (issue #12): nightly backups, jobs and scheduler, metrics, readiness.
  BACKUP_DIR: z.string().min(1).max(1000).optional(),
  BACKUP_KEEP: z.coerce.number().int().min(1).max(1000).default(14),
  JOBS: booleanFromEnv.default(true),
  METRICS_TOKEN: z.string().min(24, 'au moins 24 caractères').max(512).optional(),
  MIN_FREE_DISK_MB: z.coerce.number().int().min(0).max(1_000_000).default(200),
  ASYNC_APPROVAL_PASSES: z.coerce.number().int().min(0).max(100_000_000).default(10_000),
  PRINT_JOB_BOOKLETS: z.coerce.number().int().min(0).max(100_000_000).default(1000),
  ASYNC_IMPORT_ROWS: z.coerce.number().int().min(0).max(100_000_000).default(1000),
  BATCH_JOB_THRESHOLD: z.coerce.number().int().min(0).max(100_000_000).default(10_000),
  JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // Mail: without SMTP_URL, messages are written as .eml files under DATA_DIR/mail/.
  SMTP_URL: z
    .url({ message: 'URL attendue : smtp://utilisateur:motdepasse@hôte:port ou smtps://…' })
    .refine((v) => /^smtps?:\/\//.test(v), 'seuls smtp:// et smtps:// sont acceptés')
    .optional(),
  MAIL_FROM: z.string().trim().min(3).max(200).optional(),
  // ProConnect (OpenID Connect): the three go together; the redirect URI is derived from PUBLIC_URL.
  PROCONNECT_ISSUER: z
    .url({ message: 'URL absolue attendue : l’émetteur OpenID donné par ProConnect' })
    .refine(isSecureOrLoopback, 'https:// attendu (http:// seulement sur 127.0.0.1 ou localhost, pour les essais)')
    .optional(),
  PROCONNECT_CLIENT_ID: z.string().trim().min(1).max(500).optional(),
  PROCONNECT_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
});

/** The provider is reached over TLS, except one on this machine (tests, local trials). */
function isSecureOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}

/** ProConnect client settings, when the three variables are given. */
export interface ProConnectConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** PUBLIC_URL + /connexion/proconnect/retour: to register with ProConnect. */
  redirectUri: string;
  /** PUBLIC_URL + /connexion/proconnect/deconnexion: where the provider sends the person after logout. */
  postLogoutRedirectUri: string;
}

/** Which proxies may set X-Forwarded-For: none, a number of hops, or addresses and CIDR ranges. */
export type TrustProxy = false | number | string[];

function isAddressOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** As Fastify takes it: a hop count becomes "trust the N nearest hops" (what proxy-addr does with a number). */
export function fastifyTrustProxy(trust: TrustProxy | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

/**
 * TRUST_PROXY: unset or "false" trusts no proxy (X-Forwarded-For is ignored, the socket's address
 * counts); a number trusts that many hops; otherwise a comma-separated list of addresses or CIDRs.
 * "true" (trust anyone) is refused: any client could then choose the address it is throttled under.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '' || trimmed === 'false' || trimmed === '0') return false;
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    if (hops > 10) throw new ConfigError('Configuration invalide :\n  - TRUST_PROXY : 10 relais au plus');
    return hops;
  }
  const entries = trimmed.split(',').map((entry) => entry.trim()).filter(Boolean);
  const invalid = entries.filter((entry) => !isAddressOrCidr(entry));
  if (entries.length === 0 || invalid.length > 0) {
    throw new ConfigError(
      `Configuration invalide :\n  - TRUST_PROXY : attendu un nombre de relais ou une liste d’adresses ou de plages CIDR séparées par des virgules (refusé : ${invalid.join(', ') || trimmed})`,
    );
  }
  return entries;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databasePath: string;
  publicUrl: string;
  /** True when PUBLIC_URL is https: cookies get the Secure flag. */
  secureCookies: boolean;
  sessionSecret: string;
  passCodeSecret: string;
  bootstrapAdmin?: { email: string; password: string };
  demoData: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  operatorFeeBasisPoints: number;
  gracePeriodDays: number;
  /** Debtor of the reimbursement transfers (SEPA pain.001). */
  operatorAccount: { name: string; iban: string; bic: string };
  /** Proxies whose X-Forwarded-For is believed (request.ip, per-IP throttles). Default: none. */
  trustProxy?: TrustProxy;
  /** Operator and finance users must use a second factor. Default: true when PUBLIC_URL is https. */
  mfaRequired?: boolean;
  /** Where the nightly backup goes; no nightly backup when unset. */
  backupDir?: string;
  /** Backups kept in backupDir (the newest ones). */
  backupKeep?: number;
  /** False: this process runs neither the scheduler nor the job runner (JOBS=false). */
  jobsEnabled?: boolean;
  /** Bearer token that GET /metrics requires; /metrics answers 401 to everyone when unset. */
  metricsToken?: string;
  /** /readyz fails when the data directory's file system has less free space than this. */
  minFreeDiskBytes?: number;
  /** Orders of more passes than this are approved as a job (202), smaller ones in the request. */
  asyncApprovalPasses?: number;
  /** Print files of more booklets than this are built by a job and kept until downloaded; smaller ones stream. */
  printJobBooklets?: number;
  /** Place imports of more rows than this run as a job (202); smaller ones in the request. */
  asyncImportRows?: number;
  /** Reimbursement batches of this many redemptions or more are built by a job (202); smaller ones in the request. */
  batchJobThreshold?: number;
  /** A job or scheduled task whose process stopped renewing its lease this long ago is taken over. */
  jobLeaseMs?: number;
  /** SMTP server of outgoing mail; absent: .eml files under DATA_DIR/mail/. */
  smtpUrl?: string;
  /** From header of outgoing mail; default `Pass numérique <ne-pas-repondre@HOST>`, HOST from PUBLIC_URL. */
  mailFrom?: string;
  /** 0 leaves the outbox sender stopped (tests drive it); otherwise it runs by itself (at start, after each commit, and the scheduler's 'outbox' task), plus one round per this many ms when set. */
  mailPollIntervalMs?: number;
  /** ProConnect sign-in; absent: password (and second factor) only. */
  proconnect?: ProConnectConfig;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Human-readable list of what is wrong in the environment, one line per variable. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  - ${issue.path.join('.') || '(environnement)'} : ${issue.message}`).join('\n');
}

interface StoredSecrets {
  sessionSecret: string;
  passCodeSecret: string;
}

/**
 * Secrets not given in the environment are generated once into DATA_DIR/secrets.json (mode 0600)
 * and reused on every later start, so sessions and printed pass codes survive restarts.
 */
function loadOrCreateSecrets(dataDir: string): StoredSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = z
      .object({ sessionSecret: secret, passCodeSecret: secret })
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new ConfigError(`Le fichier ${file} est illisible ou incomplet :\n${describeIssues(parsed.error)}`);
    return parsed.data;
  }
  mkdirSync(dataDir, { recursive: true });
  const created: StoredSecrets = {
    sessionSecret: randomBytes(32).toString('base64url'),
    passCodeSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(created, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return created;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  installFrenchValidationMessages();
  // Empty variables count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`Configuration invalide :\n${describeIssues(parsed.error)}`);
  }
  const e = parsed.data;
  if ((e.BOOTSTRAP_ADMIN_EMAIL === undefined) !== (e.BOOTSTRAP_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError(
      'Configuration invalide :\n  - BOOTSTRAP_ADMIN_EMAIL et BOOTSTRAP_ADMIN_PASSWORD vont ensemble : donnez les deux ou aucun',
    );
  }
  const proconnectVars = [e.PROCONNECT_ISSUER, e.PROCONNECT_CLIENT_ID, e.PROCONNECT_CLIENT_SECRET];
  if (proconnectVars.some((v) => v !== undefined) && proconnectVars.some((v) => v === undefined)) {
    throw new ConfigError(
      'Configuration invalide :\n  - PROCONNECT_ISSUER, PROCONNECT_CLIENT_ID et PROCONNECT_CLIENT_SECRET vont ensemble : donnez les trois ou aucun',
    );
  }
  const dataDir = resolve(e.DATA_DIR);
  const needsStored = e.SESSION_SECRET === undefined || e.PASS_CODE_SECRET === undefined;
  const stored = needsStored ? loadOrCreateSecrets(dataDir) : undefined;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databasePath: e.DATABASE_PATH ?? join(dataDir, 'passnum.sqlite'),
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    sessionSecret: e.SESSION_SECRET ?? stored!.sessionSecret,
    passCodeSecret: e.PASS_CODE_SECRET ?? stored!.passCodeSecret,
    bootstrapAdmin:
      e.BOOTSTRAP_ADMIN_EMAIL && e.BOOTSTRAP_ADMIN_PASSWORD
        ? { email: e.BOOTSTRAP_ADMIN_EMAIL, password: e.BOOTSTRAP_ADMIN_PASSWORD }
        : undefined,
    demoData: e.DEMO_DATA,
    logLevel: e.LOG_LEVEL,
    operatorFeeBasisPoints: e.OPERATOR_FEE_BASIS_POINTS,
    gracePeriodDays: e.GRACE_PERIOD_DAYS,
    operatorAccount: { name: e.OPERATOR_ACCOUNT_NAME, iban: e.OPERATOR_IBAN.replace(/\s+/g, ''), bic: e.OPERATOR_BIC },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    mfaRequired: e.MFA_REQUIRED ?? publicUrl.startsWith('https://'),
    backupDir: e.BACKUP_DIR === undefined ? undefined : resolve(e.BACKUP_DIR),
    backupKeep: e.BACKUP_KEEP,
    jobsEnabled: e.JOBS,
    metricsToken: e.METRICS_TOKEN,
    minFreeDiskBytes: e.MIN_FREE_DISK_MB * 1024 * 1024,
    asyncApprovalPasses: e.ASYNC_APPROVAL_PASSES,
    printJobBooklets: e.PRINT_JOB_BOOKLETS,
    asyncImportRows: e.ASYNC_IMPORT_ROWS,
    batchJobThreshold: e.BATCH_JOB_THRESHOLD,
    jobLeaseMs: e.JOB_LEASE_SECONDS * 1000,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    proconnect:
      e.PROCONNECT_ISSUER && e.PROCONNECT_CLIENT_ID && e.PROCONNECT_CLIENT_SECRET
        ? {
            issuer: e.PROCONNECT_ISSUER.replace(/\/+$/, ''),
            clientId: e.PROCONNECT_CLIENT_ID,
            clientSecret: e.PROCONNECT_CLIENT_SECRET,
            redirectUri: `${publicUrl}/connexion/proconnect/retour`,
            postLogoutRedirectUri: `${publicUrl}/connexion/proconnect/deconnexion`,
          }
        : undefined,
  };
}

/** For command-line scripts: the configuration, or a readable message and the given exit code. */
export function loadConfigOrExit(exitCode = 1): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n`);
      process.exit(exitCode);
    }
    throw error;
  }
}
