import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Resolves once `pattern` appears in stdout or stderr; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<void>;
}

/** Runs a TypeScript entry point of the repository in a child Node process (through tsx). */
export function runTs(script: string, args: string[], env: Record<string, string | undefined> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(output)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    process: child,
    output: () => output,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(output)) return resolve();
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`process ended (${code}) before ${pattern}:\n${output}`)));
      }),
  };
}

/** Runs a script to its end; resolves with its exit code and output. */
export async function runTsToEnd(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | string; output: string }> {
  const child = runTs(script, args, env);
  const code = await child.exited;
  return { code, output: child.output() };
}

export interface JobProgress {
  status: string;
  done: number;
  attempts: number;
}

/**
 * The crash test of a background job: runs the service on `dataDir`, polls the database (never the
 * clock) until `progress()` shows a committed step, kills it with SIGKILL, calls `atKill` on the state
 * left behind, then starts the service again and waits until the job is done or failed.
 */
export async function killMidJobThenResume<P extends JobProgress>(
  t: { teardown(fn: () => void): void },
  options: { dataDir: string; port: number; progress: () => P; atKill: (state: P) => void },
): Promise<P> {
  const { progress } = options;
  const env = { DATA_DIR: options.dataDir, PORT: String(options.port), HOST: '127.0.0.1', DEMO_DATA: 'false', JOBS: 'true', JOB_LEASE_SECONDS: '2', SESSION_SECRET: '', PASS_CODE_SECRET: '', DATABASE_PATH: '' };
  const first = runTs('server/main.ts', [], env);
  t.teardown(() => {
    first.process.kill('SIGKILL');
  });
  while (progress().done === 0 && progress().status !== 'done') await new Promise((resolve) => setTimeout(resolve, 5));
  first.process.kill('SIGKILL');
  await first.exited;
  options.atKill(progress());

  const second = runTs('server/main.ts', [], env);
  t.teardown(() => {
    second.process.kill('SIGKILL');
  });
  while (progress().status !== 'done' && progress().status !== 'failed') await new Promise((resolve) => setTimeout(resolve, 50));
  second.process.kill('SIGTERM');
  await second.exited;
  return progress();
}
