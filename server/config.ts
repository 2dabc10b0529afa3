import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

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
  // Mail: without SMTP_URL, messages are written as .eml files under DATA_DIR/mail/.
  SMTP_URL: z
    .url({ message: 'URL attendue : smtp://utilisateur:motdepasse@hôte:port ou smtps://…' })
    .refine((v) => /^smtps?:\/\//.test(v), 'seuls smtp:// et smtps:// sont acceptés')
    .optional(),
  MAIL_FROM: z.string().trim().min(3).max(200).optional(),
});

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
  /** SMTP server of outgoing mail; absent: .eml files under DATA_DIR/mail/. */
  smtpUrl?: string;
  /** From header of outgoing mail; default `Pass numérique <ne-pas-repondre@HOST>`, HOST from PUBLIC_URL. */
  mailFrom?: string;
  /** How often the outbox sender looks for messages to deliver; 0 leaves it stopped (tests drive it). Default 2 000 ms. */
  mailPollIntervalMs?: number;
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
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
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
