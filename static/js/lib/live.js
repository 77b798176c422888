// Live updates: a reconnecting websocket, and fetching what changed.

// A websocket that reconnects with back-off, for live pages; `onClose` is told of each drop.
export function liveSocket(path, onMessage, { onClose } = {}) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let delay = 500;
  function connect() {
    const socket = new WebSocket(`${scheme}://${location.host}${path}`);
    socket.addEventListener("open", () => { delay = 500; });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      onClose?.();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }
  connect();
}

const withQuery = (url, query) => {
  const text = query ? new URLSearchParams(query).toString() : "";
  return text ? `${url}?${text}` : url;
};

async function fetchOk(url, accept) {
  const response = await fetch(url, { headers: { Accept: accept } });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return response;
}

// The JSON at `url` (with an optional query); throws on an HTTP error.
export async function getJson(url, query) {
  return (await fetchOk(withQuery(url, query), "application/json")).json();
}

// The server-rendered page at `url`, parsed (its scripts do not run); throws on an HTTP error.
export async function getPage(url, query) {
  const html = await (await fetchOk(withQuery(url, query), "text/html")).text();
  return new DOMParser().parseFromString(html, "text/html");
}
