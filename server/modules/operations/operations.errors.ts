import { unauthorized, type DomainError } from '../../shared/problem.ts';

/** The refusals of the operations endpoints. */
export const metricsTokenRequired = (): DomainError => unauthorized('metrics_token_required', 'Jeton des métriques (METRICS_TOKEN) absent ou invalide.');
