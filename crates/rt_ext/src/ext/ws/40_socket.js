// What both ends of a WebSocket share: the readyState values, and the
// event kinds the socket ops report (as src/ws/mod.rs numbers them in
// `EventKind`).

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

export const EV_OPEN = 1;
export const EV_TEXT = 2;
export const EV_BINARY = 3;
export const EV_CLOSE = 4;
export const EV_DRAIN = 5;
export const EV_PING = 6;
export const EV_PONG = 7;
export const EV_ERROR = 8;
