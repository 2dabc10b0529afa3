// Live quote on the order form: asks the API for the same quote the server would compute,
// as the numbers change. Without JavaScript the "Simuler" button posts the form instead.
const form = document.getElementById('order-form');
const output = document.getElementById('quote');
const csrf = document.getElementById('csrf-token');

const euros = (cents) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(cents / 100);
const parseEuros = (text) => {
  const cleaned = text.replace(/[\s\u00a0\u202f€]/g, '').replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const [units, decimals = ''] = cleaned.split('.');
  return Number(units) * 100 + Number(decimals.padEnd(2, '0'));
};

function readForm() {
  const data = new FormData(form);
  // The territory picker sends "kind:code" values (departements:31, epcis:241200187, communes:31555).
  const territory = { departements: [], epcis: [], communes: [] };
  for (const value of data.getAll('territoires').map(String)) {
    const [kind, code] = value.split(':');
    if (territory[kind] && code && !territory[kind].includes(code)) territory[kind].push(code);
  }
  const publics = data.getAll('publics').map(String);
  const body = {
    bookletCount: Number(data.get('bookletCount')),
    passesPerBooklet: Number(data.get('passesPerBooklet')),
    faceValueCents: parseEuros(String(data.get('faceValueEuros') || '')),
    validFrom: String(data.get('validFrom') || ''),
    validUntil: String(data.get('validUntil') || ''),
    publics: publics.length ? publics : null,
    territory: territory.departements.length + territory.epcis.length + territory.communes.length ? territory : null,
  };
  const program = String(data.get('cofinancingProgramId') || '');
  if (program) body.cofinancingProgramId = program;
  return body;
}

function show(html) {
  output.innerHTML = html;
}

let timer;
let sequence = 0;
async function refresh() {
  const body = readForm();
  if (!Number.isInteger(body.bookletCount) || body.bookletCount < 1 || body.faceValueCents === null) return;
  const mine = ++sequence;
  const response = await fetch('/api/v1/orders/quote', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf.value },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (mine !== sequence) return; // a newer request is on its way
  const result = await response.json();
  if (!response.ok) {
    const details = (result.errors || []).map((e) => `<li>${escapeHtml(e.message)}</li>`).join('');
    show(`<p class="fr-message fr-message--error">${escapeHtml(result.detail || 'Simulation impossible.')}</p>${details ? `<ul>${details}</ul>` : ''}`);
    return;
  }
  const capped = result.cappedBy ? ` (plafonnée : ${result.cappedBy === 'envelope' ? 'enveloppe du programme' : 'plafond par commanditaire'})` : '';
  const notApplied = result.cofinancingNotApplied
    ? `<p class="fr-message fr-message--info" data-quote="cofinancingNotApplied">Sans cofinancement de l’État : ${escapeHtml(result.cofinancingNotApplied.message)}</p>`
    : '';
  show(`${notApplied}<dl>
    <dt>Nombre de pass</dt><dd data-quote="passCount">${result.passCount.toLocaleString('fr-FR')}</dd>
    <dt>Valeur totale des pass</dt><dd data-quote="totalCents">${euros(result.totalCents)}</dd>
    <dt>Part de l’État</dt><dd data-quote="stateShareCents">${euros(result.stateShareCents)}${capped}</dd>
    <dt>Part du commanditaire</dt><dd data-quote="buyerShareCents">${euros(result.buyerShareCents)}</dd>
    <dt>Frais de l’opérateur (HT) et TVA</dt><dd data-quote="fees">${euros(result.feeCents)} + ${euros(result.vatCents)} de TVA</dd>
    <dt>Votre facture</dt><dd data-quote="buyerInvoiceTotalCents"><strong>${euros(result.buyerInvoiceTotalCents)}</strong></dd>
  </dl>`);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

if (form && output && csrf) {
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  refresh();
}
