import cliProgress from 'cli-progress';

/**
 * Progress of a command-line script: a `cli-progress` bar when stdout is a terminal, plain lines
 * otherwise (a log file, a cron mail), one per tenth of the work or so. `stop()` ends the bar; the
 * script then prints what it did.
 */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

export function progressFor(label: string, total: number, out: NodeJS.WriteStream = process.stdout): Progress {
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage} % | {value}/{total}`, hideCursor: true, stream: out, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update: (done, newTotal) => {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(done);
      },
      stop: () => bar.stop(),
    };
  }
  let lastTenth = -1;
  let current = total;
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) current = newTotal;
      const tenth = current > 0 ? Math.floor((done * 10) / current) : 10;
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      out.write(`${label} : ${done.toLocaleString('fr-FR')}/${current.toLocaleString('fr-FR')} (${current > 0 ? Math.min(100, Math.floor((done * 100) / current)) : 100} %)\n`);
    },
    stop() {},
  };
}
