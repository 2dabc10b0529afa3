import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { renderFiguresPdf } from '../../../templates/pdf/figures.ts';
import { euroCell, toCsv } from '../../shared/csv.ts';
import { formatEuros } from '../../shared/money.ts';
import { errorResponses } from '../../shared/schemas.ts';
import { programParams, programReportView, stateTermsInput, stateTermsView, type ProgramReportView } from './oversight.schemas.ts';
import { programReport, setStateTerms } from './state.service.ts';
import { MASKED_CELL_LABEL } from '../../shared/small-cells.ts';

/** The report as CSV: one section per table, masked counts written « secret statistique ». */
export function programReportCsv(report: ProgramReportView): string {
  const shown = (n: number | null) => (n === null ? MASKED_CELL_LABEL : n);
  const rows: (string | number)[][] = [
    ['programme', 'enveloppe', '', euroCell(report.envelopeCents)],
    ['programme', 'engage', '', euroCell(report.committedCents)],
    ['programme', 'facture', '', euroCell(report.invoicedCents)],
    ['programme', 'paye', '', euroCell(report.paidCents)],
    ['programme', 'avoirs', '', euroCell(report.creditedCents)],
    ['programme', 'restitue', '', euroCell(report.releasedCents)],
    ['programme', 'reste_a_engager', '', euroCell(report.remainingCents)],
    ['publics_prioritaires', 'part_en_pourcent', '', report.priority.priorityShare === null ? 'masquée' : String(report.priority.priorityShare).replace('.', ',')],
    ...report.byBuyer.flatMap((b) => [
      ['commanditaire_pass_achetes', b.buyerName, b.territory, b.bought],
      ['commanditaire_pass_distribues', b.buyerName, b.territory, shown(b.distributed)],
      ['commanditaire_pass_utilises', b.buyerName, b.territory, shown(b.used)],
    ]),
    ...report.payOnUse.flatMap((o) => [
      ['du_sur_utilisation', o.reference, o.buyerName, euroCell(o.owedOnUseCents)],
      ['facture_etat', o.reference, o.buyerName, euroCell(o.invoicedCents)],
    ]),
  ];
  return toCsv(['rubrique', 'objet', 'detail', 'valeur'], rows);
}

/** The report as a PDF to file: the same figures as the page and the CSV. */
export function programReportPdf(report: ProgramReportView): Promise<Buffer> {
  const shown = (n: number | null) => (n === null ? `< ${report.smallCellThreshold}` : n.toLocaleString('fr-FR'));
  const p = report.priority;
  return renderFiguresPdf({
    title: `Rapport du programme « ${report.programName} »`,
    intro: [`Taux de l’État : ${(report.rateBasisPoints / 100).toLocaleString('fr-FR')} % ${report.paysOn === 'use' ? 'des pass utilisés' : 'des pass achetés'}.`],
    sections: [
      {
        heading: 'Argent',
        rows: [
          ['Enveloppe', formatEuros(report.envelopeCents)],
          ['Engagé', formatEuros(report.committedCents)],
          ['Facturé à l’État', formatEuros(report.invoicedCents)],
          ['Payé par l’État', formatEuros(report.paidCents)],
          ['Avoirs à l’État', formatEuros(report.creditedCents)],
          ['Restitué à l’enveloppe (avoirs à l’État)', formatEuros(report.releasedCents)],
          ['Reste à engager', formatEuros(report.remainingCents)],
        ],
      },
      {
        heading: 'Publics prioritaires',
        rows: [
          ['Carnets distribués', p.distributions.toLocaleString('fr-FR')],
          ['Part aux publics prioritaires', p.priorityShare === null ? 'masquée' : `${p.priorityShare.toLocaleString('fr-FR')} %`],
          ['Quota', p.quotaBasisPoints === null ? '—' : `${(p.quotaBasisPoints / 100).toLocaleString('fr-FR')} % : ${p.quotaMet === null ? 'non vérifiable' : p.quotaMet ? 'atteint' : 'non atteint'}`],
        ],
      },
      {
        heading: 'Pass par commanditaire (achetés / distribués / utilisés)',
        rows: report.byBuyer.map((b) => [`${b.buyerName} — ${b.territory}`, `${b.bought.toLocaleString('fr-FR')} / ${shown(b.distributed)} / ${shown(b.used)}`]),
      },
      ...(report.paysOn === 'use'
        ? [{ heading: 'Dû sur utilisation / facturé, par commande', rows: report.payOnUse.map((o): [string, string] => [`${o.reference} — ${o.buyerName}`, `${formatEuros(o.owedOnUseCents)} / ${formatEuros(o.invoicedCents)}`]) }]
        : []),
    ],
  });
}

export const stateApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['Cofinancement'];

  r.put(
    '/cofinancing-programs/:id/state-terms',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Rattacher un programme à l’organisation de l’État qui le finance, et fixer les règles de l’appel',
        description: 'Règles vérifiées à la commande : projet maximal, territoire d’au moins un regroupement de communes ; refus 422 `cofinancing_not_eligible` qui nomme la règle (`condition`).',
        tags,
        params: programParams,
        body: stateTermsInput,
        response: { 200: stateTermsView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => setStateTerms({ db: app.db, clock: app.clock, actor: requireActor(request), programId: request.params.id, input: request.body }),
  );

  r.get(
    '/cofinancing-programs/:id/report',
    {
      config: allow('operator:*', 'state:*'),
      schema: {
        summary: 'Rapport d’un programme pour l’État qui le finance : argent, commanditaires, quota de publics prioritaires, dû sur utilisation',
        description: 'Lisible par l’opérateur et par l’organisation de type `state` rattachée au programme ; tout autre programme : 404. Effectifs de moins de 5 masqués (null).',
        tags,
        params: programParams,
        response: { 200: programReportView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => programReport({ db: app.db, clock: app.clock, actor: requireActor(request), programId: request.params.id }),
  );

  r.get(
    '/cofinancing-programs/:id/report.csv',
    { config: allow('operator:*', 'state:*'), schema: { summary: 'Rapport d’un programme, en CSV', tags, params: programParams, produces: ['text/csv'], response: { 200: z.string(), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const report = programReport({ db: app.db, clock: app.clock, actor: requireActor(request), programId: request.params.id });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="rapport-programme.csv"').send(programReportCsv(report));
    },
  );

  r.get(
    '/cofinancing-programs/:id/report.pdf',
    { config: allow('operator:*', 'state:*'), schema: { summary: 'Rapport d’un programme, en PDF', tags, params: programParams, produces: ['application/pdf'], response: { 200: z.any().describe('Document PDF'), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const report = programReport({ db: app.db, clock: app.clock, actor: requireActor(request), programId: request.params.id });
      const pdf = await programReportPdf(report);
      return reply.type('application/pdf').header('content-disposition', 'attachment; filename="rapport-programme.pdf"').send(pdf);
    },
  );
};
