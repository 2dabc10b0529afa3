import { str, type MessageDefinition } from './message-kit.ts';

/** Messages of the booklet proof loop that are sent by a scheduled task rather than by an event. */
export const PROOF_MESSAGES = {
  proof_reminder: {
    essential: false,
    subject: (d) => `Rappel : le BAT de la commande ${str(d, 'reference')} attend votre décision`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Le bon à tirer des carnets de la commande ${str(d, 'reference')} attend votre décision depuis ${str(d, 'days')} jours. Les carnets ne peuvent pas être imprimés avant sa validation.`,
        'Vérifiez-le, puis validez-le ou refusez-le en disant ce qui doit changer.',
      ],
      link: { label: 'Voir le BAT', path: `/commandes/${str(d, 'orderId')}#impression` },
    }),
  },
} satisfies Record<string, MessageDefinition>;
