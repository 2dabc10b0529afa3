import { notFound, type DomainError } from '../../shared/problem.ts';

/** `mergedInto` is the code of the commune a former commune merged into, when the code was one. */
export const territoryNotFound = (code: string, mergedInto?: string): DomainError =>
  notFound(
    'territory_not_found',
    mergedInto ? `Le code ${code} n’est plus celui d’une commune : elle a fusionné dans la commune ${mergedInto}.` : `Aucun territoire de ce type n’a le code ${code}.`,
  );
