/**
 * Building DOM nodes safely. Every string becomes a text node or an attribute value, never
 * markup: customers write hostile HTML, and this is the only way text reaches the page.
 */

/** Append children (nodes, strings, numbers, arrays; null/false skipped) to el as nodes or text. */
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Create an element: h('a', {class: 'x', href: '#/all', onclick: fn}, 'text', child).
 * Props: class, dataset, text, on<event> listeners, true for boolean attributes; others are attributes.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return append(el, children);
}

/** Find an element by id; a missing one is a bug in index.html, so say so. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no element #${id}`);
  return el;
}

/** Show or hide an element with the `hidden` attribute. */
export function show(el, visible = true) {
  el.hidden = !visible;
}
