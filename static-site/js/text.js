// Plain-text renderer for catalogue texts: blank lines separate paragraphs,
// lines starting with "- " are list items (indented lines continue an item).
// Built with DOM APIs only: API text never goes through innerHTML.

/** Parse text into blocks: { type: 'p', text } | { type: 'ul', items: [text] }. Pure. */
export function parseText(text) {
  const blocks = [];
  for (const chunk of String(text ?? '').replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    let para = null;
    let list = null;
    for (const raw of chunk.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      if (/^[-•]\s/.test(line)) {
        para = null;
        if (!list) blocks.push((list = { type: 'ul', items: [] }));
        list.items.push(line.replace(/^[-•]\s+/, ''));
      } else if (list && /^\s/.test(raw)) {
        list.items[list.items.length - 1] += ' ' + line;
      } else {
        list = null;
        if (para) para.text += ' ' + line;
        else blocks.push((para = { type: 'p', text: line }));
      }
    }
  }
  return blocks;
}

/** Replace node's children; like el(), null/undefined/false children are left out (never « null »). */
export function setChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Create an element with properties/attributes and children (strings become text nodes). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Render text as a DocumentFragment of <p> and <ul>. */
export function renderText(text) {
  const frag = document.createDocumentFragment();
  for (const block of parseText(text)) {
    frag.append(block.type === 'p'
      ? el('p', { text: block.text })
      : el('ul', {}, block.items.map((item) => el('li', { text: item }))));
  }
  return frag;
}
