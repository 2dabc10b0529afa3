import { conflict, DomainError, notFound } from '../../shared/problem.ts';

/** The refusals about background jobs and the files they prepare. Another organisation's job is "not found" too. */
export const jobNotFound = (): DomainError => notFound('job_not_found', 'Travail introuvable.');
export const jobNotDone = (): DomainError =>
  conflict('job_not_done', 'Le fichier est en cours de préparation : réessayez quand la barre de progression est complète.');
/** 410: the file existed and was deleted after its download (files are kept until fetched once). */
export const jobFileGone = (): DomainError =>
  new DomainError(410, 'job_file_gone', 'Ce fichier a déjà été téléchargé et n’est plus conservé : demandez-en un nouveau.');
