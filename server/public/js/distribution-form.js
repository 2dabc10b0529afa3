// Progressive enhancement of the distribution form. Without JavaScript everything still works:
// the serial is typed and the commune is found by the "Rechercher la commune" search step.
// With it: communes are suggested while typing, and the booklet's QR code can be scanned with the
// camera where the browser has a native BarcodeDetector.

const form = document.getElementById('distribution-form');

// --- Commune suggestions -------------------------------------------------------------------------

const query = document.getElementById('communeQuery');
const choices = document.getElementById('commune-choices');
let timer;
let lastQuery = '';
let controller;

function el(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function label(commune) {
  const codes = commune.postalCodes.slice(0, 3).join(', ') + (commune.postalCodes.length > 3 ? '…' : '');
  return `${commune.name} (${commune.departement})${codes ? ` — ${codes}` : ''}`;
}

// The same markup as the server renders after a search step, so both paths read alike.
function renderChoices(communes) {
  const checked = form.querySelector('input[name="communeCode"]:checked');
  const keep = checked ? checked.value : '';
  choices.replaceChildren();
  if (communes.length === 0) {
    const serial = form.querySelector('[name="bookletSerial"]')?.value.trim();
    choices.append(el('p', { class: 'fr-text--sm' }, serial ? 'Aucune commune trouvée dans le territoire de ce carnet.' : 'Aucune commune trouvée.'));
    return;
  }
  const fieldset = el('fieldset', { class: 'fr-fieldset', 'aria-labelledby': 'commune-choices-legend' });
  fieldset.append(el('legend', { class: 'fr-fieldset__legend fr-text--regular', id: 'commune-choices-legend' }, `Choisissez la commune (${communes.length})`));
  for (const commune of communes) {
    const element = el('div', { class: 'fr-fieldset__element' });
    const group = el('div', { class: 'fr-radio-group' });
    const input = el('input', { type: 'radio', id: `commune-${commune.code}`, name: 'communeCode', value: commune.code });
    if (commune.code === keep || communes.length === 1) input.checked = true;
    group.append(input, el('label', { class: 'fr-label', for: `commune-${commune.code}` }, label(commune)));
    element.append(group);
    fieldset.append(element);
  }
  choices.append(fieldset);
}

async function suggest() {
  const q = query.value.trim();
  if (q === lastQuery) return;
  lastQuery = q;
  if (q.length < 2) return;
  if (controller) controller.abort();
  controller = new window.AbortController();
  try {
    // The booklet's serial, when typed, limits the suggestions to the communes its passes are valid in.
    const serial = form.querySelector('[name="bookletSerial"]')?.value.trim() ?? '';
    const response = await fetch(`/api/v1/distributions/communes?q=${encodeURIComponent(q)}${serial ? `&bookletSerial=${encodeURIComponent(serial)}` : ''}`, {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
      signal: controller.signal,
    });
    if (!response.ok) return;
    const body = await response.json();
    renderChoices(body.items.slice(0, 10));
  } catch {
    // Offline or aborted: the search button still works.
  }
}

if (form && query && choices) {
  query.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 250);
  });
}

// --- QR code scan ----------------------------------------------------------------------------------

const scan = document.getElementById('scan');
const serialInput = document.getElementById('bookletSerial');
const status = document.getElementById('scan-status');
const area = document.getElementById('scan-area');
const video = document.getElementById('scan-video');
let stream;
let scanning = false;

/** The booklet QR code holds `${PUBLIC_URL}/C/${SERIAL}`. */
function serialFrom(text) {
  const match = /\/C\/([^/?#\s]+)/i.exec(text);
  return (match ? decodeURIComponent(match[1]) : text).trim().toUpperCase();
}

function stop() {
  scanning = false;
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = undefined;
  area.hidden = true;
}

async function start() {
  try {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    video.srcObject = stream;
    area.hidden = false;
    await video.play();
    status.textContent = 'Présentez le QR code de la couverture du carnet à la caméra.';
    scanning = true;
    const tick = async () => {
      if (!scanning) return;
      try {
        const codes = await detector.detect(video);
        if (codes.length > 0) {
          serialInput.value = serialFrom(codes[0].rawValue);
          stop();
          status.textContent = `Carnet ${serialInput.value} lu.`;
          const first = form.querySelector('input[name="publicCategory"]');
          if (first) first.focus();
          return;
        }
      } catch {
        // A frame that cannot be read yet: try the next one.
      }
      setTimeout(tick, 200);
    };
    tick();
  } catch {
    stop();
    status.textContent = 'La caméra n’est pas disponible : tapez le numéro du carnet.';
  }
}

if (scan && serialInput && 'BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  window.BarcodeDetector.getSupportedFormats()
    .then((formats) => {
      if (!formats.includes('qr_code')) return;
      scan.hidden = false;
      document.getElementById('scan-start').addEventListener('click', start);
      document.getElementById('scan-stop').addEventListener('click', () => {
        stop();
        status.textContent = 'Caméra arrêtée.';
      });
    })
    .catch(() => {});
}
