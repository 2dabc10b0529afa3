import type { Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small tmpfs of `size` (mount's notation: '4m') mounted for the test, to make a disk fill up or
 * turn read-only for real; unmounted and removed when the test ends. Mounting needs root: where it
 * is refused, the test records a pass saying it was skipped and gets undefined, to return early.
 */
export function mountTmpfs(t: Test, prefix: string, size: string): string | undefined {
  const mountPoint = mkdtempSync(join(tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
    t.pass('skipped: mounting a tmpfs needs root, not possible here');
    return undefined;
  }
  t.teardown(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  return mountPoint;
}
