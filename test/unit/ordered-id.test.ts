import t from 'tap';
import { newOrderedId } from '../../server/shared/secrets.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

t.test('ordered ids are UUIDs version 7 carrying their millisecond', async (t) => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const id = newOrderedId(now);
  t.match(id, UUID_V7);
  t.equal(millisOf(id), now);
});

t.test('ids sort in creation order, within one millisecond too, and never repeat', async (t) => {
  const at = Date.parse('2031-06-01T12:00:00Z');
  const ids = [
    ...Array.from({ length: 3000 }, () => newOrderedId(at)),
    ...Array.from({ length: 10 }, () => newOrderedId(at + 1)),
    // A clock that steps back (NTP) must not break the order.
    ...Array.from({ length: 10 }, () => newOrderedId(at - 5000)),
  ];
  t.same([...ids].sort(), ids, 'lexicographic order is creation order');
  t.equal(new Set(ids).size, ids.length);
  for (const id of ids) if (!UUID_V7.test(id)) t.fail(`not a UUIDv7: ${id}`);
});

t.test('past 4 096 ids in one millisecond, the next millisecond is borrowed rather than the order lost', async (t) => {
  const at = Date.parse('2032-03-01T08:00:00Z');
  const ids = Array.from({ length: 5000 }, () => newOrderedId(at));
  t.same([...ids].sort(), ids);
  t.equal(millisOf(ids[0]!), at);
  t.equal(millisOf(ids[4095]!), at);
  t.equal(millisOf(ids[4096]!), at + 1);
});

t.test('the random part differs between ids of the same millisecond', async (t) => {
  const at = Date.parse('2033-01-01T00:00:00Z');
  const tails = new Set(Array.from({ length: 1000 }, () => newOrderedId(at).slice(19)));
  t.equal(tails.size, 1000);
});
