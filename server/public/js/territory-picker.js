// Progressive enhancement of the territory picker (templates/partials/territory-picker.eta).
// Without JavaScript the "Rechercher" button sends the form, which comes back with the matches as
// checkboxes. With it, the search box is an ARIA 1.2 combobox: suggestions while typing, arrow keys
// to move, Enter to pick, Escape to close; the number of suggestions is announced, and "Retirer"
// removes a territory without sending the form.

const picker = document.getElementById('territory-picker');
const input = document.getElementById('territoryQuery');
const chosenList = document.getElementById('territory-chosen');
const none = document.getElementById('territory-none');
const searchButton = document.getElementById('territory-search');

function el(tag, attributes = {}, text = undefined) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

if (picker && input && chosenList && none) {
  const form = input.form;
  const listbox = el('ul', { id: 'territory-listbox', role: 'listbox', class: 'pn-territory-listbox', 'aria-label': 'Territoires proposés' });
  listbox.hidden = true;
  const status = el('p', { id: 'territory-status', class: 'fr-sr-only', role: 'status', 'aria-live': 'polite' });
  input.parentElement.append(listbox, status);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', 'territory-listbox');

  let items = [];
  let active = -1;
  let timer;
  let controller;
  let lastQuery = '';

  const chosenValues = () => [...chosenList.querySelectorAll('input[name="territoires"]')].map((i) => i.value);

  function close() {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(index) {
    active = index;
    listbox.querySelectorAll('[role="option"]').forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      const option = document.getElementById(`territory-option-${index}`);
      input.setAttribute('aria-activedescendant', option.id);
      option.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function render(found) {
    const taken = new Set(chosenValues());
    items = found.filter((t) => !taken.has(`${t.kind}:${t.code}`)).slice(0, 10);
    listbox.replaceChildren();
    active = -1;
    input.removeAttribute('aria-activedescendant');
    items.forEach((t, i) => {
      const option = el('li', { id: `territory-option-${i}`, role: 'option', 'aria-selected': 'false', class: 'pn-territory-option' }, t.label);
      // mousedown, not click: a click would first blur the input and close the list.
      option.addEventListener('mousedown', (event) => {
        event.preventDefault();
        pick(i);
      });
      listbox.append(option);
    });
    const open = items.length > 0;
    listbox.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    status.textContent = open ? `${items.length} ${items.length > 1 ? 'territoires proposés' : 'territoire proposé'} : flèche bas pour les parcourir, Entrée pour choisir.` : 'Aucun territoire ne correspond.';
  }

  function updateNone() {
    none.hidden = chosenList.children.length > 0;
    // The live quote (order-quote.js) listens to the form's input events.
    form?.dispatchEvent(new Event('input', { bubbles: true }));
  }

  // The same markup as the server renders for a chosen territory.
  function addChosen(territory) {
    const value = `${territory.kind}:${territory.code}`;
    const item = el('li');
    const button = el('button', { type: 'submit', name: 'retirer', value, class: 'fr-btn fr-btn--tertiary fr-btn--sm' }, 'Retirer');
    button.append(el('span', { class: 'fr-sr-only' }, ` ${territory.label}`));
    item.append(el('input', { type: 'hidden', name: 'territoires', value }), el('span', { class: 'pn-territory-label' }, territory.label), button);
    chosenList.append(item);
    updateNone();
  }

  function pick(index) {
    const territory = items[index];
    if (!territory) return;
    addChosen(territory);
    close();
    input.value = '';
    lastQuery = '';
    status.textContent = `${territory.label} ajouté aux territoires choisis.`;
    input.focus();
  }

  async function suggest() {
    const q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q.length < 2) {
      close();
      return;
    }
    if (controller) controller.abort();
    controller = new window.AbortController();
    try {
      const response = await fetch(`/api/v1/territories?q=${encodeURIComponent(q)}`, {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
        signal: controller.signal,
      });
      if (!response.ok) return;
      const body = await response.json();
      if (input.value.trim() === q) render(body.items);
    } catch {
      // Offline or aborted: the "Rechercher" button still works.
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (listbox.hidden) {
        if (items.length === 0) return;
        listbox.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + items.length) % items.length);
    } else if (event.key === 'Enter') {
      // Enter picks the highlighted suggestion; with none, it runs the search step rather than the form's first button.
      event.preventDefault();
      if (!listbox.hidden && active >= 0) pick(active);
      else if (input.value.trim().length >= 2) searchButton?.click();
    } else if (event.key === 'Escape') {
      if (!listbox.hidden) {
        event.preventDefault();
        close();
      }
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  // "Retirer" removes the territory in place; the form is not sent.
  chosenList.addEventListener('click', (event) => {
    const button = event.target instanceof window.Element ? event.target.closest('button[name="retirer"]') : null;
    if (!button) return;
    event.preventDefault();
    const label = button.parentElement.querySelector('.pn-territory-label')?.textContent ?? '';
    button.parentElement.remove();
    updateNone();
    status.textContent = `${label} retiré des territoires choisis.`;
    input.focus();
  });
}
