import type { FastifyReply } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { UserRole } from '../../../db/schema/accounts.ts';
import { dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListQuery, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, type ListView } from '../../shared/list-view.ts';
import type { Actor } from '../identity/actor.ts';
import { userToView } from './accounts.core.ts';
import { countUserSearch, searchUsers, type UserCriteria, type UserSort, type UserStatus } from './users.repository.ts';

type UserView = ReturnType<typeof userToView>;
type UserFilter = 'role' | 'statut';

const STATUS_LABELS: Record<UserStatus, string> = { active: 'Actif', invited: 'Invité', disabled: 'Désactivé' };

export const userStatusOf = (u: UserView): UserStatus => (u.disabled ? 'disabled' : u.active ? 'active' : 'invited');

/**
 * The users list of an organisation page. Its address is the page's own (`/mon-organisation` or
 * `/organisations/:id`), and the roles offered are those of the organisation's kind.
 */
export function userListSpec(path: string, roleLabels: Record<string, string>): ListSpec<UserFilter, UserSort> {
  return {
    path,
    searchLabel: 'Rechercher un utilisateur par nom ou adresse e-mail',
    filters: {
      role: { label: 'Rôle', allLabel: 'Tous les rôles', options: filterChoices(roleLabels) },
      statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(STATUS_LABELS) },
    },
    sorts: { nom: 'Nom', email: 'Adresse e-mail', role: 'Rôle', date: 'Date d’invitation' },
    defaultSort: { key: 'nom', dir: 'asc' },
  };
}

const USER_CSV_COLUMNS = (roleLabels: Record<string, string>): CsvColumn<UserView>[] => [
  { header: 'Nom', value: (u) => u.name },
  { header: 'Adresse e-mail', value: (u) => u.email },
  { header: 'Rôle', value: (u) => roleLabels[u.role] ?? u.role },
  { header: 'Statut', value: (u) => STATUS_LABELS[userStatusOf(u)] },
  { header: 'Invité le', value: (u) => dateCell(u.createdAt) },
];

interface UserListInput {
  db: DbOrTx;
  actor: Actor;
  organisationId: string;
  path: string;
  roleLabels: Record<string, string>;
  rawQuery: unknown;
}

function prepare(input: UserListInput) {
  const spec = userListSpec(input.path, input.roleLabels);
  const query: ListQuery<UserFilter, UserSort> = parseListQuery(spec, input.rawQuery);
  const criteria: UserCriteria = { q: query.q, role: query.filters.role as UserRole | undefined, status: query.filters.statut as UserStatus | undefined };
  const read = (window: ListWindow) => searchUsers(input.db, input.actor, input.organisationId, criteria, query.sort, window).map(userToView);
  return { spec, query, criteria, read };
}

/** One page of an organisation's users, and what the list partials render. */
export function readUserList(input: UserListInput): { users: UserView[]; list: ListView } {
  const { spec, query, criteria, read } = prepare(input);
  const result = readListPage(query, () => countUserSearch(input.db, input.actor, input.organisationId, criteria), read);
  return { users: result.items, list: buildListView(spec, query, result) };
}

/** Every user the search and filters match, as CSV. */
export function sendUserCsv(input: UserListInput, reply: FastifyReply): FastifyReply {
  const { read } = prepare(input);
  return sendAllPagesCsv(reply, 'utilisateurs.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), USER_CSV_COLUMNS(input.roleLabels));
}
