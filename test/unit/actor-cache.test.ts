import t from 'tap';
import { openDatabase } from '../../db/client.ts';
import { ActorCache, credentialsChanged } from '../../server/modules/identity/actor-cache.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';

const actor = (name: string): Actor => ({
  userId: `u-${name}`,
  email: `${name}@exemple.fr`,
  name,
  role: 'agent',
  organisationId: 'o1',
  organisationKind: 'place',
  organisationName: 'EPN',
  via: 'token',
});

function connections(t: { teardown(fn: () => void): void }) {
  const db = openDatabase(':memory:');
  const other = openDatabase(':memory:');
  t.teardown(() => {
    db.$client.close();
    other.$client.close();
  });
  return { db, other };
}

t.test('a caller is kept for the time limit, and never past the end given with it', async (t) => {
  const { db } = connections(t);
  const cache = new ActorCache(30_000);
  const now = new Date('2026-11-25T10:00:00Z');
  cache.set(db, 'a', actor('a'), now);
  cache.set(db, 'b', actor('b'), now, '2026-11-25T10:00:10Z');
  t.equal(cache.get(db, 'a', new Date('2026-11-25T10:00:29.999Z'))?.name, 'a');
  t.equal(cache.get(db, 'a', new Date('2026-11-25T10:00:30Z')), undefined, 'gone after 30 s');
  t.equal(cache.get(db, 'b', new Date('2026-11-25T10:00:09Z'))?.name, 'b');
  t.equal(cache.get(db, 'b', new Date('2026-11-25T10:00:10Z')), undefined, 'gone when its session ends');
});

t.test('each request gets its own copy: changing one does not change the next', async (t) => {
  const { db } = connections(t);
  const cache = new ActorCache();
  const now = new Date('2026-11-25T10:00:00Z');
  cache.set(db, 'a', actor('a'), now);
  cache.get(db, 'a', now)!.name = 'changé';
  t.equal(cache.get(db, 'a', now)?.name, 'a');
});

t.test('a change of credentials on a connection empties every cache of that connection, and only of it', async (t) => {
  const { db, other } = connections(t);
  const first = new ActorCache();
  const second = new ActorCache();
  const now = new Date('2026-11-25T10:00:00Z');
  first.set(db, 'a', actor('a'), now);
  second.set(db, 'a', actor('a'), now);
  const elsewhere = new ActorCache();
  elsewhere.set(other, 'a', actor('a'), now);
  credentialsChanged(db);
  t.equal(first.get(db, 'a', now), undefined);
  t.equal(second.get(db, 'a', now), undefined);
  t.equal(elsewhere.get(other, 'a', now)?.name, 'a', 'another database keeps its callers');
  first.set(db, 'a', actor('a'), now);
  t.equal(first.get(db, 'a', now)?.name, 'a', 'filled again after the change');
});

t.test('the cache holds a bounded number of callers, the oldest leaving first', async (t) => {
  const { db } = connections(t);
  const cache = new ActorCache(30_000, 2);
  const now = new Date('2026-11-25T10:00:00Z');
  for (const name of ['a', 'b', 'c']) cache.set(db, name, actor(name), now);
  t.equal(cache.get(db, 'a', now), undefined);
  t.equal(cache.get(db, 'b', now)?.name, 'b');
  t.equal(cache.get(db, 'c', now)?.name, 'c');
});
