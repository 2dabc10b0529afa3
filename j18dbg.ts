import fc from 'fast-check';
import { leakedCells, publishMonth, cellOf } from './server/shared/cumulative-publication.ts';
const changeOf = (table: string, key: string) => (table === 'month' ? 'fixed' : table === 'sleeping' || key === 'not_used' ? 'free' : 'grows') as any;
const samples = fc.sample(fc.record({ uses: fc.array(fc.nat(2), { maxLength: 4 }) }), 1);
// simple: 1 order, 3 months
const months = [[0, 1], [2], [0, 0, 1, 1]];
let counts = [0, 0, 0]; const per: number[] = []; const pubs: any[] = [];
months.forEach((u, i) => {
  for (const s of u) counts[s]!++;
  per.push(u.length);
  const tables = { service: Object.fromEntries(counts.map((v, k) => [`s${k}`, v])), month: Object.fromEntries(per.map((v, k) => [`m${k}`, v])) };
  const f = { period: `m${i}`, publishedAt: '', sumScope: 'buyer', scopes: { 'order:0': { tables, total: 0 }, buyer: { tables, total: 0 } } };
  const p = publishMonth(f, pubs, { changeOf });
  console.log(i, JSON.stringify(tables), p ? JSON.stringify(Object.fromEntries(Object.entries(p.scopes['order:0']!.tables).map(([k, v]) => [k, v.hidden]))) : 'REFUSED');
  if (p) pubs.push(p);
});
const tables = { service: { s0: 3, s1: 3, s2: 1 }, month: { m0: 2, m1: 1, m2: 4 } };
const cand = { period: 'm2', sumScope: 'buyer', scopes: Object.fromEntries(['order:0', 'buyer'].map((s) => [s, { period: 'm2', publishedAt: '', total: 7, tables: { service: { counts: tables.service, hidden: ['s0', 's1', 's2'] }, month: { counts: tables.month, hidden: ['m1', 'm2'] } } }])) };
console.log(leakedCells([...pubs, cand as any], changeOf));
