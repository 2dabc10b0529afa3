/**
 * Booklet print-file throughput: our renderer (covers, 5 coupons a page, vector QR codes, DejaVu)
 * against a bare pdfkit loop (one line of Helvetica text and one rectangle per coupon), in the
 * same process and on the same output (a byte-counting sink, no disk).
 *
 *   npx tsx scripts/bench-pdf.ts 10000      # passes (booklets of 10)
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import PDFDocument from 'pdfkit';
import { createPassCodeFactory } from '../server/modules/booklets/pass-code.ts';
import { renderBookletsPdf } from '../templates/pdf/booklet.ts';
import type { BookletPrintData } from '../templates/pdf/booklet.ts';

export interface PdfBenchFigures {
  label: string;
  passes: number;
  pages: number;
  seconds: number;
  /** CPU time (user + system) of the process during the run: less sensitive to a busy machine. */
  cpuSeconds: number;
  passesPerSecond: number;
  pagesPerSecond: number;
  megabytes: number;
  /** Highest resident set size seen during this run, in MB. */
  peakRssMegabytes: number;
}

export interface PdfBenchResult {
  ours: PdfBenchFigures;
  baseline: PdfBenchFigures;
}

const PASSES_PER_BOOKLET = 10;
const COUPONS_PER_PAGE = 5;

function countingSink(): { sink: Writable; bytes: () => number } {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  return { sink, bytes: () => bytes };
}

async function measure(label: string, passes: number, run: (sink: Writable) => Promise<number>): Promise<PdfBenchFigures> {
  (globalThis as { gc?: () => void }).gc?.();
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const { sink, bytes } = countingSink();
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const pages = await run(sink);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return {
    label,
    passes,
    pages,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    passesPerSecond: passes / seconds,
    pagesPerSecond: pages / seconds,
    megabytes: bytes() / 1e6,
    peakRssMegabytes: peak / 1e6,
  };
}

/** Booklets made on demand, as a database cursor would hand them over. */
async function* bookletSource(passCount: number): AsyncGenerator<BookletPrintData> {
  const codes = createPassCodeFactory({ secrets: { A: randomBytes(32).toString('base64') }, currentVersion: 'A' });
  for (let made = 0, n = 0; made < passCount; n++) {
    const size = Math.min(PASSES_PER_BOOKLET, passCount - made);
    made += size;
    const serial = `PN27-${String(n).padStart(7, '0')}`;
    yield {
      serial,
      bookletUrl: `HTTPS://PASS.EXAMPLE.GOUV.FR/C/${serial}`,
      buyerName: 'Département de l’Hérault',
      faceValueCents: 1000,
      validFrom: '2027-01-01',
      validUntil: '2027-12-31',
      publicsLabels: n % 2 ? null : ['Jeunes de 16 à 25 ans en insertion', 'Personnes de 60 ans et plus', 'Demandeurs d’emploi'],
      territoryDescription: 'Dans tout le département de l’Hérault (34).',
      placesHint: 'Liste des lieux sur https://pass.example.gouv.fr/lieux ou auprès de la structure qui vous a remis ce carnet.',
      passes: Array.from({ length: size }, () => ({ code: codes.generate() })),
    };
  }
}

/** The floor: pdfkit alone, one text line and one rectangle per coupon, 5 coupons a page. */
async function barePdfkit(sink: Writable, passCount: number): Promise<number> {
  const doc = new PDFDocument({ autoFirstPage: false, bufferPages: false, size: 'A4', margin: 0 });
  const finished = new Promise<void>((resolve, reject) => {
    sink.once('finish', resolve);
    sink.once('error', reject);
  });
  doc.pipe(sink);
  let pages = 0;
  for (let i = 0; i < passCount; i++) {
    const slot = i % COUPONS_PER_PAGE;
    if (slot === 0) {
      doc.addPage({ size: 'A4', margin: 0 });
      pages++;
      if (pages % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const top = slot * (841.89 / COUPONS_PER_PAGE);
    doc.font('Helvetica').fontSize(12).text(`Pass ${i} - 10,00 EUR`, 40, top + 40, { lineBreak: false });
    doc.rect(440, top + 20, 120, 120).fill('#000000');
  }
  doc.end();
  await finished;
  return pages;
}

export async function benchPdf(passCount: number): Promise<PdfBenchResult> {
  if (!Number.isInteger(passCount) || passCount < 1) throw new RangeError('nombre de pass entier positif attendu');
  // Warm-up (module loading, font unwrapping, JIT) so neither run pays it.
  await renderBookletsPdf(countingSink().sink, bookletSource(20), { publicUrl: 'https://pass.example.gouv.fr' });
  await barePdfkit(countingSink().sink, 20);

  const baseline = await measure('pdfkit nu (1 texte + 1 rectangle par coupon)', passCount, (sink) => barePdfkit(sink, passCount));
  const ours = await measure('carnets Pass numérique', passCount, async (sink) => {
    const { pages } = await renderBookletsPdf(sink, bookletSource(passCount), { publicUrl: 'https://pass.example.gouv.fr' });
    return pages;
  });
  return { ours, baseline };
}

function printFigures(f: PdfBenchFigures): void {
  console.log(
    `${f.label.padEnd(46)} ${String(f.pages).padStart(6)} pages ${f.seconds.toFixed(2).padStart(6)} s (CPU ${f.cpuSeconds.toFixed(2)} s) ` +
      `${Math.round(f.passesPerSecond).toString().padStart(7)} pass/s  ${Math.round(f.pagesPerSecond).toString().padStart(6)} pages/s  ` +
      `${f.megabytes.toFixed(1).padStart(7)} Mo  RSS max ${Math.round(f.peakRssMegabytes)} Mo`,
  );
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const passCount = Number(process.argv[2] ?? 10_000);
  const { ours, baseline } = await benchPdf(passCount);
  console.log(`Fichier d’impression de ${passCount} pass (carnets de ${PASSES_PER_BOOKLET}), Node ${process.version}`);
  printFigures(ours);
  printFigures(baseline);
  const perPass = (f: PdfBenchFigures) => ((f.seconds / f.passes) * 1000).toFixed(3);
  console.log(
    `Par pass : ${perPass(ours)} ms contre ${perPass(baseline)} ms pour pdfkit nu (× ${(ours.seconds / baseline.seconds).toFixed(1)}) ; ` +
      `${((ours.megabytes / ours.pages) * 1000).toFixed(1)} Ko par page.`,
  );
}
