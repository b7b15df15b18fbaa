/**
 * The live connection: one WebSocket to /ws for new tickets and messages, kept open with
 * reconnects that back off (1 s, 2 s, 4 s … up to 30 s, with jitter) and a periodic ping.
 */
import { WEBSOCKET_URL } from './config.js';

const MAX_DELAY_MS = 30_000;
const PING_EVERY_MS = 4 * 60_000;

/** Connects with a token and hands every server frame to onFrame; reports its state to onState. */
export class LiveConnection {
  /**
   * onFrame(frame): a parsed server frame. onState(state): "connecting" | "live" | "offline".
   * onRefused(): the server refused the connection (often an expired token).
   */
  constructor({ onFrame, onState = () => {}, onRefused = () => {} }) {
    this.onFrame = onFrame;
    this.onState = onState;
    this.onRefused = onRefused;
    this.socket = null;
    this.token = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
  }

  /** Open the connection for this token (closing any previous one). */
  start(token) {
    this.stop();
    this.token = token;
    this.attempt = 0;
    this.connect();
  }

  /** Close for good (sign out). */
  stop() {
    this.token = null;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000, 'signed out');
      this.socket = null;
    }
  }

  /** Send a frame if the socket is open; false when it is not. */
  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  connect() {
    if (!this.token) return;
    this.onState('connecting');
    const socket = new WebSocket(`${WEBSOCKET_URL}?token=${encodeURIComponent(this.token)}`);
    let opened = false;
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.onState('live');
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: 'ping', id: `p${Date.now()}` }), PING_EVERY_MS);
    };
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === 'string') this.onFrame(frame);
    };
    socket.onclose = (event) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      this.onState('offline');
      if (!opened || event.code === 1008) this.onRefused();
      this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    if (!this.token) return;
    const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
