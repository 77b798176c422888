// A websocket that reconnects with back-off, for live pages.
export function liveSocket(path, onMessage) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let delay = 500;
  function connect() {
    const socket = new WebSocket(`${scheme}://${location.host}${path}`);
    socket.addEventListener("open", () => { delay = 500; });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }
  connect();
}
