import { afterDe } from '../../shared/paris-time.ts';
import { PROOF_MESSAGES } from './proof-messages.ts';
import { euros, frenchDate, str, type MessageContent, type MessageData, type MessageDefinition } from './message-kit.ts';
import { countOf, plural } from '../../shared/plural.ts';
/**
 * Every message the platform sends, in French: its subject, whether it is essential (security and
 * account messages always go; alerts and reminders follow the user's choice), and its body as a few
 * paragraphs and one direct link to the page concerned. Rendering to plain text and HTML is common
 * to all of them (render.ts). Data never holds a pass code, a password or full bank details.
 */

export type { MessageContent, MessageData, MessageDefinition } from './message-kit.ts';

const inDays = (days: unknown): string => countOf(Number(days), 'jour');
const booklets = (count: unknown): string => countOf(Number(count), 'carnet');

/** A prescriber sees its stock, a buyer the order: each recipient's link opens a page it may see. */
const validityLink = (d: MessageData): MessageContent['link'] =>
  d.audience === 'prescriber' ? { label: 'Mon stock', path: '/mon-stock' } : { label: 'Voir la commande', path: `/commandes/${str(d, 'orderId')}` };

export const MESSAGES = {
  invitation: {
    essential: true,
    subject: (d) => `Votre compte Pass numérique pour ${str(d, 'organisationName')}`,
    body: (d) => ({
      paragraphs: [
        `Bonjour ${str(d, 'name')},`,
        `${str(d, 'inviterName') || 'L’équipe du Pass numérique'} vous a ouvert un compte sur la plateforme du Pass numérique pour ${str(d, 'organisationName')}.`,
        `Choisissez votre mot de passe avec le lien ci-dessous. Il ne sert qu’une fois et reste valable jusqu’au ${frenchDate(d.expiresAt)}.`,
      ],
      link: { label: 'Choisir mon mot de passe', path: `/invitation/${str(d, 'token')}` },
    }),
  },
  password_reset: {
    essential: true,
    subject: () => 'Réinitialiser votre mot de passe Pass numérique',
    body: (d) => ({
      paragraphs: [
        `Bonjour ${str(d, 'name')},`,
        'Une demande de nouveau mot de passe a été faite pour votre compte. Le lien ci-dessous est valable une heure et ne sert qu’une fois.',
        'Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.',
      ],
      link: { label: 'Choisir un nouveau mot de passe', path: `/mot-de-passe/${str(d, 'token')}` },
    }),
  },
  password_changed: {
    essential: true,
    subject: () => 'Votre mot de passe a été changé',
    body: (d) => ({
      paragraphs: [
        `Bonjour ${str(d, 'name')},`,
        'Votre mot de passe Pass numérique a été changé. Toutes vos sessions ont été fermées et vos jetons d’API révoqués.',
        'Si vous n’êtes pas à l’origine de ce changement, demandez tout de suite un nouveau mot de passe et prévenez l’administrateur de votre organisation.',
      ],
      link: { label: 'Se connecter', path: '/connexion' },
    }),
  },
  email_change_confirmation: {
    essential: true,
    subject: () => 'Confirmez votre nouvelle adresse e-mail',
    body: (d) => ({
      paragraphs: [
        `Bonjour ${str(d, 'name')},`,
        `Vous avez demandé que votre compte Pass numérique utilise désormais l’adresse ${str(d, 'newEmail')}. Confirmez-la avec le lien ci-dessous, valable 24 heures.`,
      ],
      link: { label: 'Confirmer cette adresse', path: `/mon-compte/adresse/${str(d, 'token')}` },
    }),
  },
  email_change_notice: {
    essential: true,
    subject: () => 'Changement d’adresse e-mail demandé sur votre compte',
    body: (d) => ({
      paragraphs: [
        `Bonjour ${str(d, 'name')},`,
        `Un changement d’adresse e-mail vers ${str(d, 'newEmail')} a été demandé pour votre compte Pass numérique. Il ne prendra effet qu’une fois confirmé depuis la nouvelle adresse.`,
        'Si vous n’êtes pas à l’origine de cette demande, changez votre mot de passe.',
      ],
      link: { label: 'Mon compte', path: '/mon-compte' },
    }),
  },
  place_application_received: {
    essential: true,
    subject: (d) => `Candidature reçue : ${str(d, 'placeName')}`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Nous avons bien reçu la candidature de ${str(d, 'placeName')} au label Pass numérique. L’opérateur l’examine ; vous recevrez un message à sa décision.`,
        'Si le lieu est labellisé, ce message contiendra le lien pour ouvrir le compte de votre structure.',
      ],
      link: { label: 'Les étapes de votre candidature', path: '/lieux/candidature/envoyee' },
    }),
  },
  place_labelled: {
    essential: true,
    subject: (d) => `${str(d, 'placeName')} est labellisé Pass numérique`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `${str(d, 'placeName')} est désormais un lieu labellisé : il peut encaisser les pass numériques.`,
        d.token
          ? `Votre compte d’administrateur du lieu est ouvert. Choisissez votre mot de passe avec le lien ci-dessous, valable jusqu’au ${frenchDate(d.expiresAt)}.`
          : 'Connectez-vous pour encaisser vos premiers pass.',
      ],
      link: d.token ? { label: 'Choisir mon mot de passe', path: `/invitation/${str(d, 'token')}` } : { label: 'Mon lieu', path: '/mon-lieu' },
    }),
  },
  place_suspended: {
    essential: true,
    subject: (d) => `Label suspendu : ${str(d, 'placeName')}`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Le label Pass numérique de ${str(d, 'placeName')} est suspendu : le lieu ne peut plus encaisser de pass.`,
        `Motif : ${str(d, 'reason') || 'non précisé'}.`,
      ],
      link: { label: 'Mon lieu', path: '/mon-lieu' },
    }),
  },
  bank_details_validated: {
    essential: true,
    subject: () => 'Coordonnées bancaires validées',
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Les coordonnées bancaires de ${str(d, 'placeName')} (compte se terminant par ${str(d, 'ibanEnd')}) sont validées : les prochains remboursements y seront versés.`,
      ],
      link: { label: 'Mon lieu', path: '/mon-lieu' },
    }),
  },
  bank_details_rejected: {
    essential: true,
    subject: () => 'Coordonnées bancaires refusées',
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Les coordonnées bancaires saisies pour ${str(d, 'placeName')} n’ont pas été validées.`,
        `Motif : ${str(d, 'reason')}.`,
        'Saisissez-les à nouveau : tant qu’elles ne sont pas validées, les remboursements attendent.',
      ],
      link: { label: 'Corriger mes coordonnées bancaires', path: '/mon-lieu' },
    }),
  },
  order_submitted: {
    essential: false,
    subject: (d) => `Nouvelle commande à approuver : ${str(d, 'reference')}`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `${str(d, 'buyerName')} a passé la commande ${str(d, 'reference')} (${euros(d.totalCents)}). Elle attend votre approbation.`],
      link: { label: 'Voir la commande', path: `/commandes/${str(d, 'orderId')}` },
    }),
  },
  order_approved: {
    essential: true,
    subject: (d) => `Commande ${str(d, 'reference')} approuvée`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Votre commande ${str(d, 'reference')} est approuvée : ses carnets sont émis et sa facture est disponible.`,
        'Le financement s’ouvre à réception du paiement ou du numéro de mandat.',
      ],
      link: { label: 'Voir la commande', path: `/commandes/${str(d, 'orderId')}` },
    }),
  },
  order_cancelled: {
    essential: true,
    subject: (d) => `Commande ${str(d, 'reference')} annulée`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `La commande ${str(d, 'reference')} est annulée.`],
      link: { label: 'Voir la commande', path: `/commandes/${str(d, 'orderId')}` },
    }),
  },
  proof_ready: {
    essential: false,
    subject: (d) => `BAT à valider : commande ${str(d, 'reference')}`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `Le bon à tirer des carnets de la commande ${str(d, 'reference')} est prêt : vérifiez-le et validez-le avant l’impression.`],
      link: { label: 'Voir le BAT', path: `/commandes/${str(d, 'orderId')}/carnets` },
    }),
  },
  proof_accepted: {
    essential: false,
    subject: (d) => `BAT validé : commande ${str(d, 'reference')}`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `Le bon à tirer de la commande ${str(d, 'reference')} est validé : le fichier d’impression des carnets est disponible.`],
      link: { label: 'Les carnets de la commande', path: `/commandes/${str(d, 'orderId')}/carnets` },
    }),
  },
  proof_rejected: {
    essential: false,
    subject: (d) => `BAT refusé : commande ${str(d, 'reference')}`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `${str(d, 'buyerName')} a refusé le bon à tirer (version ${str(d, 'version')}) des carnets de la commande ${str(d, 'reference')}.`,
        `Commentaire : ${str(d, 'comment')}`,
      ],
      link: { label: 'Les carnets de la commande', path: `/commandes/${str(d, 'orderId')}/carnets` },
    }),
  },
  login_failures: {
    essential: true,
    subject: () => 'Tentatives de connexion à votre compte',
    body: (d) => ({
      paragraphs: [
        `Bonjour ${str(d, 'name')},`,
        `Quelqu’un a échoué ${countOf(Number(d.failures), 'fois', 'fois')} de suite à se connecter à votre compte Pass numérique. Votre compte n’est pas bloqué : les essais suivants sont seulement ralentis.`,
        'Si c’était vous, vous pouvez choisir un nouveau mot de passe avec le lien ci-dessous. Sinon, changez-le par précaution et prévenez l’administrateur de votre organisation.',
      ],
      link: { label: 'Choisir un nouveau mot de passe', path: '/mot-de-passe-oublie' },
    }),
  },
  funding_open: {
    essential: false,
    subject: (d) => `Commande ${str(d, 'reference')} : les pass peuvent être distribués`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `Le financement de la commande ${str(d, 'reference')} est ouvert : les carnets distribués sont utilisables dans les lieux labellisés.`],
      link: { label: 'Distribution', path: '/distribution' },
    }),
  },
  prescriber_designated: {
    essential: false,
    subject: (d) => `${str(d, 'buyerName')} vous confie la distribution de pass numériques`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `${str(d, 'buyerName')} a désigné ${str(d, 'prescriberName')} pour distribuer les carnets de la commande ${str(d, 'reference')}.`],
      link: { label: 'Mon stock', path: '/mon-stock' },
    }),
  },
  booklets_allotted: {
    essential: false,
    subject: (d) => `${booklets(d.count)} ${plural(Number(d.count), 'confié', 'confiés')} par ${str(d, 'buyerName')}`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `${str(d, 'buyerName')} vous a confié ${booklets(d.count)} de la commande ${str(d, 'reference')}.`],
      link: { label: 'Mon stock', path: '/mon-stock' },
    }),
  },
  booklets_returned: {
    essential: false,
    subject: (d) => `${booklets(d.count)} ${plural(Number(d.count), 'rendu', 'rendus')} par ${str(d, 'prescriberName')}`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `${str(d, 'prescriberName')} a rendu ${booklets(d.count)} de la commande ${str(d, 'reference')} à votre stock.`],
      link: { label: 'Distribution', path: '/distribution' },
    }),
  },
  validity_alert: {
    essential: false,
    subject: (d) => `Commande ${str(d, 'reference')} : fin de validité le ${frenchDate(d.validUntil)}`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `Les pass de la commande ${str(d, 'reference')} ne seront plus utilisables après le ${frenchDate(d.validUntil)}, dans ${inDays(d.daysLeft)}.`,
        'Distribuez les carnets qui restent en stock, ou préparez leur retour : la valeur des pass non utilisés fera l’objet d’un avoir.'],
      link: validityLink(d),
    }),
  },
  validity_stop: {
    essential: false,
    subject: (d) => `Commande ${str(d, 'reference')} : cessez de distribuer ses carnets`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Les pass de la commande ${str(d, 'reference')} expirent le ${frenchDate(d.validUntil)}, dans ${inDays(d.daysLeft)} : ne distribuez plus ses carnets, leurs bénéficiaires n’auraient pas le temps de s’en servir.`,
      ],
      link: validityLink(d),
    }),
  },
  order_expired: {
    essential: true,
    subject: (d) => `Commande ${str(d, 'reference')} arrivée en fin de validité`,
    body: (d) => ({
      paragraphs: ['Bonjour,', `La commande ${str(d, 'reference')} est arrivée en fin de validité : la valeur des pass non utilisés fait l’objet d’un avoir de ${euros(d.buyerCreditCents)}${d.creditNoteNumber ? ` (avoir ${str(d, 'creditNoteNumber')})` : ''}.`],
      link: { label: 'Mes avoirs', path: '/finances/avoirs' },
    }),
  },
  batch_paid: {
    essential: true,
    subject: (d) => `Remboursement ${afterDe(str(d, 'period'))} versé : ${euros(d.amountCents)}`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Le remboursement des pass encaissés par ${str(d, 'placeName')} en ${str(d, 'period')} a été viré le ${frenchDate(d.paidOn)} : ${euros(d.amountCents)}.`,
        'Le relevé est joint à ce message.',
      ],
      link: { label: 'Mes relevés', path: '/releves' },
    }),
  },
  payout_rejected: {
    essential: true,
    subject: (d) => `Virement ${afterDe(str(d, 'period'))} rejeté : action requise`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `Le virement du remboursement ${afterDe(str(d, 'period'))} (${euros(d.amountCents)}) à ${str(d, 'placeName')} a été rejeté par la banque.`,
        `Motif : ${str(d, 'reason')}.`,
        'Vérifiez et corrigez vos coordonnées bancaires : le montant sera reversé après leur validation.',
      ],
      link: { label: 'Corriger mes coordonnées bancaires', path: '/mon-lieu' },
    }),
  },
  prescriber_added: {
    essential: true,
    subject: (d) => `${str(d, 'buyerName')} vous invite à distribuer des pass numériques`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `${str(d, 'buyerName')} a ajouté ${str(d, 'prescriberName')} à ses prescripteurs du Pass numérique : vous pourrez remettre ses carnets aux personnes que vous accompagnez.`,
        d.token ? `Votre compte est ouvert : choisissez votre mot de passe avec le lien ci-dessous, valable jusqu’au ${frenchDate(d.expiresAt)}.` : 'Connectez-vous pour voir votre stock.',
      ],
      link: d.token ? { label: 'Choisir mon mot de passe', path: `/invitation/${str(d, 'token')}` } : { label: 'Mon stock', path: '/mon-stock' },
    }),
  },
  // Issue 18: the J-15 blocking approved by the buyer; each designated prescriber is told to stop.
  end_of_validity_blocked: {
    essential: false,
    subject: (d) => `Commande ${str(d, 'reference')} : ne remettez plus ses carnets`,
    body: (d) => ({
      paragraphs: [
        'Bonjour,',
        `${str(d, 'buyerName')} a bloqué les carnets non remis de la commande ${str(d, 'reference')}, qui arrive en fin de validité le ${frenchDate(d.validUntil)}.`,
        Number(d.held) > 0
          ? `Ne remettez plus ${Number(d.held) === 1 ? 'le carnet' : `les ${str(d, 'held')} carnets`} de cette commande que vous détenez : ${Number(d.held) === 1 ? 'il serait refusé' : 'ils seraient refusés'}. Rendez-${Number(d.held) === 1 ? 'le' : 'les'} au commanditaire.`
          : 'Vous ne détenez plus de carnet de cette commande : rien à faire.',
      ],
      link: { label: 'Mon stock', path: '/mon-stock' },
    }),
  },
  ...PROOF_MESSAGES,
} satisfies Record<string, MessageDefinition>;

export type MessageTemplate = keyof typeof MESSAGES;

export function isMessageTemplate(value: string): value is MessageTemplate {
  return Object.hasOwn(MESSAGES, value);
}
