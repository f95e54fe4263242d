// Tiny DOM builder. Everything goes through textContent/attributes, never
// innerHTML, so server data (names, reward titles) cannot inject markup and the
// strict CSP stays happy.

export function h(tag, props = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key in el && !svg && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let uid = 0;
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled input row. Returns {row, input} so callers can read values.
export function field({ label, hint, input }) {
  const id = input.id || nextId('in');
  input.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  const row = h('div', { class: 'field' }, h('label', { for: id, text: label }), input, hintEl);
  return { row, input };
}

// A checkbox with its label and an optional one-line explanation.
export function checkbox({ label, hint, testid, checked = false, required = false, labelNodes }) {
  const id = nextId('cb');
  const input = h('input', { type: 'checkbox', id, checked, required, testid });
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  const row = h('div', { class: 'check' }, input,
    h('div', { class: 'check-text' }, h('label', { for: id }, labelNodes || label), hintEl));
  return { row, input };
}
