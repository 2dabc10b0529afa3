import type { DbOrTx } from '../../../db/client.ts';
import { formatEuros } from '../../shared/money.ts';
import { paidCentsByBatchPeriodSince, redeemedCentsByPeriodSince } from './reimbursement.repository.ts';

export interface MonthActivity {
  period: string;
  redeemedCents: number;
  paidCents: number;
}

function monthsBack(last: string, count: number): string[] {
  const [y, m] = last.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const index = y * 12 + (m - 1) - (count - 1 - i);
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

/** Redemptions (by Paris month of use) and payouts executed (by month of their batch) over the last months. */
export function monthlyActivity(db: DbOrTx, lastMonth: string, count: number): MonthActivity[] {
  const months = monthsBack(lastMonth, count);
  const redeemed = new Map(redeemedCentsByPeriodSince(db, months[0]!).map((r) => [r.period, Number(r.v)]));
  const paid = new Map(paidCentsByBatchPeriodSince(db, months[0]!).map((r) => [r.period, Number(r.v)]));
  return months.map((period) => ({ period, redeemedCents: redeemed.get(period) ?? 0, paidCents: paid.get(period) ?? 0 }));
}

const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * A server-rendered SVG bar chart (no JavaScript, no external library). It is decorative for screen
 * readers: the same figures are in the table next to it.
 */
export function renderActivityChart(data: MonthActivity[]): string {
  const width = 720;
  const height = 220;
  const left = 10;
  const bottom = 30;
  const max = Math.max(1, ...data.flatMap((d) => [d.redeemedCents, d.paidCents]));
  const slot = (width - left) / data.length;
  const bar = Math.max(4, slot / 3);
  const scale = (cents: number) => ((height - bottom - 20) * cents) / max;
  const bars = data
    .map((d, i) => {
      const x = left + i * slot + slot / 2 - bar;
      const hr = scale(d.redeemedCents);
      const hp = scale(d.paidCents);
      return [
        `<rect x="${x}" y="${height - bottom - hr}" width="${bar}" height="${hr}" fill="#000091"><title>${escapeXml(`${d.period} : ${formatEuros(d.redeemedCents)} utilisés`)}</title></rect>`,
        `<rect x="${x + bar}" y="${height - bottom - hp}" width="${bar}" height="${hp}" fill="#18753c"><title>${escapeXml(`${d.period} : ${formatEuros(d.paidCents)} remboursés`)}</title></rect>`,
        `<text x="${x + bar}" y="${height - 10}" font-size="11" text-anchor="middle" fill="#3a3a3a">${d.period.slice(5)}/${d.period.slice(2, 4)}</text>`,
      ].join('');
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" aria-hidden="true" focusable="false">${bars}<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#929292"/></svg>`;
}
