// DOM helpers shared by the pages.

export const byId = (id) => document.getElementById(id);

// An element with attributes ("class", a "style" object of custom properties,
// true for a bare attribute; null and false leave one out) and children.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style") Object.entries(value).forEach(([name, v]) => node.style.setProperty(name, v));
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

// Sets the text of the element with this id, if the page has one.
export function setText(id, text) {
  const node = byId(id);
  if (node) node.textContent = text;
}

// A function that shows a status text in the element with this id, cleared after `clearAfterMs` if given.
export function announcer(id, clearAfterMs = 0) {
  let timer = 0;
  return (text) => {
    setText(id, text);
    clearTimeout(timer);
    if (clearAfterMs) timer = setTimeout(() => setText(id, ""), clearAfterMs);
  };
}

// Adds a class that runs a CSS animation, from its start even if it is running.
export function restartClass(node, name) {
  node.classList.remove(name);
  void node.offsetWidth;
  node.classList.add(name);
}

// Marks one button of a group pressed and the others not.
export function pressOnly(buttons, chosen) {
  buttons.forEach((button) => button.setAttribute("aria-pressed", String(button === chosen)));
}

// Calls `redraw` once the window has stopped resizing for `ms` milliseconds.
export function onResize(redraw, ms = 200) {
  let timer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(redraw, ms);
  });
}
