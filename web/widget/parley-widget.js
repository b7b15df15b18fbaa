/**
 * Parley chat widget: one <script> tag, no dependencies, and no network access except the Parley
 * origin this file was loaded from (and, for a file the visitor attaches, the upload URL Parley hands out).
 *
 *   <script src="https://help.example.com/widget/parley-widget.js" async
 *           data-color="#2f6fed" data-greeting="Hi! How can we help?"
 *           data-department="Support" data-language="en"></script>
 *
 * It keeps the visitor token, the conversation and the messages seen so far in localStorage, so every
 * page load is the same visitor and a reload continues the same conversation; the WebSocket
 * reconnects with backoff and resumes after the last sequence number it saw, so nothing is missed and
 * nothing is shown twice. Text is always rendered with textContent; files are links to the URLs the server
 * gave (http/https only). Once a chat has started the visitor may attach files (the paperclip): each is
 * uploaded at once with a form Parley hands out, then sent with the next message. The protocol is
 * described in docs/websocket.md.
 *
 * A signed-in user of the site is identified with a user token (a JWT the site's backend signs with the
 * SDK shared secret, see docs/websocket.md), either on the tag (data-user-token="…") or with
 * Parley.identify(token); Parley.identify(null) forgets the user on sign-out.
 *
 * A page may call Parley.identify/open/close before this script has loaded (it loads async) by defining
 * a stub first, which queues the calls in Parley.q as [name, arguments]; the widget replays them, in
 * order, once it has loaded:
 *
 *   window.Parley = window.Parley || { q: [] };
 *   ['identify', 'open', 'close'].forEach(function (name) {
 *     Parley[name] = Parley[name] || function () { Parley.q.push([name, arguments]); };
 *   });
 */
(function () {
  'use strict';

  var script = document.currentScript || document.querySelector('script[src*="parley-widget.js"]');
  var stub = window.Parley;
  var queued = stub && Array.isArray(stub.q) ? stub.q : null;
  if (!script || (stub && !queued)) return;  // loaded already (or the name is the page's own)

  var ORIGIN = new URL(script.src, location.href).origin;
  var API = (script.dataset.api || ORIGIN + '/api').replace(/\/+$/, '');
  var WS_URL = script.dataset.websocket || ORIGIN.replace(/^http/, 'ws') + '/ws';
  var STORE_KEY = 'parley-widget:' + ORIGIN;
  var MAX_KEPT_MESSAGES = 200;
  var MAX_RETRY_MS = 30000;
  var PING_EVERY_MS = 4 * 60000;
  var TYPING_IDLE_MS = 3000;
  var TYPING_SHOWN_MS = 6000;
  var MAX_FILES_PER_MESSAGE = 5;  // the server's limit too (it refuses more)

  var STRINGS = {
    en: {
      title: 'Chat with us', greeting: 'Hi! How can we help you today?', placeholder: 'Write a message…',
      send: 'Send', open: 'Open chat', close: 'Close chat', typing: '{name} is typing…', someone: 'An agent',
      sending: 'Sending…', sent: 'Sent', seen: 'Seen', failed: 'Not delivered: {reason}',
      joined: '{name} joined the chat', waiting: 'Waiting for the next available agent…',
      reconnecting: 'Reconnecting…', offlineTitle: 'We are away right now',
      offlineIntro: 'Leave us a message and we will reply by email.', name: 'Name', email: 'Email',
      message: 'Message', offlineSend: 'Send message', offlineThanks: 'Thank you! We will reply to {email}.',
      backToday: 'We are back at {time}.', backLater: 'We are back on {day} at {time}.',
      rateQuestion: 'How was this chat?', good: 'Good', bad: 'Bad', comment: 'Anything to add? (optional)',
      rateSend: 'Send rating', rateThanks: 'Thank you for your feedback!', solved: 'This chat was solved.',
      newChat: 'Write a new message to start another chat.', error: 'Something went wrong: {reason}',
      files: 'Files', attach: 'Attach a file', toSend: 'Files to send', uploading: 'Uploading… {percent}%',
      ready: 'ready to send', notAttached: 'Not attached: {reason}', remove: 'Remove {name}',
      emptyFile: 'the file is empty', tooMany: 'A message can carry at most {max} files.',
      waitUploads: 'Your files are still uploading; send when they are ready.',
      uploadNetwork: 'the upload did not get through; check your connection and try again',
      uploadRefused: 'the file store refused it ({detail}); try again'
    },
    de: {
      title: 'Chatten Sie mit uns', greeting: 'Hallo! Wie können wir helfen?', placeholder: 'Nachricht schreiben…',
      send: 'Senden', open: 'Chat öffnen', close: 'Chat schließen', typing: '{name} schreibt…',
      someone: 'Ein Mitarbeiter', sending: 'Wird gesendet…', sent: 'Gesendet', seen: 'Gelesen',
      failed: 'Nicht zugestellt: {reason}', joined: '{name} ist dem Chat beigetreten',
      waiting: 'Sie sind gleich an der Reihe…', reconnecting: 'Verbindung wird wiederhergestellt…',
      offlineTitle: 'Gerade ist niemand da', offlineIntro: 'Hinterlassen Sie eine Nachricht, wir antworten per E-Mail.',
      name: 'Name', email: 'E-Mail', message: 'Nachricht', offlineSend: 'Nachricht senden',
      offlineThanks: 'Danke! Wir antworten an {email}.', backToday: 'Wir sind ab {time} Uhr wieder da.',
      backLater: 'Wir sind am {day} ab {time} Uhr wieder da.', rateQuestion: 'Wie war dieser Chat?', good: 'Gut',
      bad: 'Schlecht', comment: 'Möchten Sie etwas ergänzen? (optional)', rateSend: 'Bewertung senden',
      rateThanks: 'Danke für Ihr Feedback!', solved: 'Dieser Chat wurde gelöst.',
      newChat: 'Schreiben Sie, um einen neuen Chat zu beginnen.', error: 'Etwas ist schiefgegangen: {reason}',
      files: 'Dateien', attach: 'Datei anhängen', toSend: 'Zu sendende Dateien',
      uploading: 'Wird hochgeladen… {percent} %', ready: 'bereit zum Senden', notAttached: 'Nicht angehängt: {reason}',
      remove: '{name} entfernen', emptyFile: 'die Datei ist leer',
      tooMany: 'Eine Nachricht kann höchstens {max} Dateien enthalten.',
      waitUploads: 'Ihre Dateien werden noch hochgeladen; senden Sie, sobald sie bereit sind.',
      uploadNetwork: 'der Upload kam nicht an; prüfen Sie Ihre Verbindung und versuchen Sie es erneut',
      uploadRefused: 'der Dateispeicher hat sie abgelehnt ({detail}); versuchen Sie es erneut'
    },
    fr: {
      title: 'Discutons', greeting: 'Bonjour ! Comment pouvons-nous vous aider ?', placeholder: 'Écrivez un message…',
      send: 'Envoyer', open: 'Ouvrir le chat', close: 'Fermer le chat', typing: '{name} écrit…',
      someone: 'Un conseiller', sending: 'Envoi…', sent: 'Envoyé', seen: 'Vu', failed: 'Non distribué : {reason}',
      joined: '{name} a rejoint la discussion', waiting: 'Un conseiller va vous répondre…',
      reconnecting: 'Reconnexion…', offlineTitle: 'Nous sommes absents',
      offlineIntro: 'Laissez-nous un message, nous répondrons par e-mail.', name: 'Nom', email: 'E-mail',
      message: 'Message', offlineSend: 'Envoyer le message', offlineThanks: 'Merci ! Nous répondrons à {email}.',
      backToday: 'Nous serons de retour à {time}.', backLater: 'Nous serons de retour le {day} à {time}.',
      rateQuestion: 'Comment s’est passée cette discussion ?', good: 'Bien', bad: 'Mal',
      comment: 'Un commentaire ? (facultatif)', rateSend: 'Envoyer la note', rateThanks: 'Merci pour votre avis !',
      solved: 'Cette discussion est résolue.', newChat: 'Écrivez pour commencer une nouvelle discussion.',
      error: 'Une erreur est survenue : {reason}', files: 'Fichiers', attach: 'Joindre un fichier',
      toSend: 'Fichiers à envoyer', uploading: 'Envoi du fichier… {percent} %', ready: 'prêt à envoyer',
      notAttached: 'Non joint : {reason}', remove: 'Retirer {name}', emptyFile: 'le fichier est vide',
      tooMany: 'Un message peut contenir au plus {max} fichiers.',
      waitUploads: 'Vos fichiers sont encore en cours d’envoi ; envoyez quand ils sont prêts.',
      uploadNetwork: 'l’envoi n’a pas abouti ; vérifiez votre connexion et réessayez',
      uploadRefused: 'le stockage des fichiers l’a refusé ({detail}) ; réessayez'
    },
    es: {
      title: 'Chatea con nosotros', greeting: '¡Hola! ¿En qué podemos ayudarte?', placeholder: 'Escribe un mensaje…',
      send: 'Enviar', open: 'Abrir chat', close: 'Cerrar chat', typing: '{name} está escribiendo…',
      someone: 'Un agente', sending: 'Enviando…', sent: 'Enviado', seen: 'Visto', failed: 'No entregado: {reason}',
      joined: '{name} se unió al chat', waiting: 'Esperando al próximo agente disponible…',
      reconnecting: 'Reconectando…', offlineTitle: 'Ahora no estamos disponibles',
      offlineIntro: 'Déjanos un mensaje y te responderemos por correo.', name: 'Nombre', email: 'Correo',
      message: 'Mensaje', offlineSend: 'Enviar mensaje', offlineThanks: '¡Gracias! Responderemos a {email}.',
      backToday: 'Volvemos a las {time}.', backLater: 'Volvemos el {day} a las {time}.',
      rateQuestion: '¿Qué tal este chat?', good: 'Bien', bad: 'Mal', comment: '¿Algo más? (opcional)',
      rateSend: 'Enviar valoración', rateThanks: '¡Gracias por tu opinión!', solved: 'Este chat está resuelto.',
      newChat: 'Escribe para empezar otro chat.', error: 'Algo salió mal: {reason}', files: 'Archivos',
      attach: 'Adjuntar un archivo', toSend: 'Archivos para enviar', uploading: 'Subiendo… {percent} %',
      ready: 'listo para enviar', notAttached: 'No adjuntado: {reason}', remove: 'Quitar {name}',
      emptyFile: 'el archivo está vacío', tooMany: 'Un mensaje puede llevar como máximo {max} archivos.',
      waitUploads: 'Tus archivos se están subiendo; envía cuando estén listos.',
      uploadNetwork: 'la subida no llegó; revisa tu conexión e inténtalo de nuevo',
      uploadRefused: 'el almacén de archivos la rechazó ({detail}); inténtalo de nuevo'
    }
  };

  var language = (script.dataset.language || document.documentElement.lang || 'en').slice(0, 2).toLowerCase();
  var T = STRINGS[language] || STRINGS.en;
  var config = {
    color: /^#[0-9a-f]{3,8}$/i.test(script.dataset.color || '') ? script.dataset.color : '#2f6fed',
    greeting: script.dataset.greeting || T.greeting,
    department: script.dataset.department || null
  };

  function say(key, values) {
    return (T[key] || STRINGS.en[key]).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] != null ? String(values[name]) : '';
    });
  }

  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, '');
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  // ---- state kept across reloads ------------------------------------------------------------------
  var state = load();

  function load() {
    var empty = { token: null, customerId: null, conversationId: null, lastSeq: 0, messages: [], outbox: [], agentReadSeq: 0,
                  status: null, rated: null, agentName: null, proactive: null };
    try {
      var saved = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
      return saved && typeof saved === 'object' ? Object.assign(empty, saved) : empty;
    } catch (e) {
      return empty;
    }
  }

  function save() {
    state.messages = state.messages.slice(-MAX_KEPT_MESSAGES);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) { /* private mode: the chat still works for this page */ }
  }

  function forgetVisitor() {
    state.token = null;
    state.customerId = null;
    forgetConversation();
  }

  function forgetConversation() {
    state.conversationId = null;
    state.lastSeq = 0;
    state.messages = [];
    state.outbox = [];
    state.agentReadSeq = 0;
    state.status = null;
    state.rated = null;
    state.agentName = null;
    save();
    if (ui) clearUploads();  // not while the widget starts
  }

  // ---- REST ----------------------------------------------------------------------------------------
  function request(method, path, body, retried) {
    var headers = { 'Content-Type': 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    return fetch(API + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
                               credentials: 'omit', mode: 'cors' })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.status === 401 && state.token && !retried) {
            state.token = null;
            forgetConversation();
            return session().then(function () { return request(method, path, body, true); });
          }
          if (!response.ok) throw new Error(data.message || ('HTTP ' + response.status));
          return data;
        });
      });
  }

  var sessionPromise = null;
  // The site's user token (data-user-token or Parley.identify); exchanged once per page load for a visitor
  // token of that user's customer, so it may be short-lived.
  var userToken = script.dataset.userToken || null;
  var identified = false;

  function session() {
    if (state.token && (!userToken || identified)) return Promise.resolve(state.token);
    if (!sessionPromise) {
      var sent = userToken;
      var promise = request('POST', '/sdk/sessions', sent ? { user_token: sent } : {}, true).then(function (data) {
        if (sessionPromise === promise) sessionPromise = null;
        if (sent !== userToken) return session();  // identify() was called meanwhile
        if (sent && data.customer_id !== state.customerId) {  // another person than the stored visitor
          dropSocket();
          forgetConversation();
          ui.showRating(false);
          ui.renderMessages();
        }
        state.token = data.visitor_token;
        state.customerId = data.customer_id;
        identified = Boolean(sent);
        save();
        return state.token;
      }, function (error) {
        if (sessionPromise === promise) sessionPromise = null;
        throw error;
      });
      sessionPromise = promise;
    }
    return sessionPromise;
  }

  /** Chat as the site's signed-in user from now on (token: their user token), or forget them (null). */
  function identify(token) {
    userToken = token ? String(token) : null;
    identified = false;
    sessionPromise = null;
    if (!userToken) {
      dropSocket();
      forgetVisitor();
      ui.showRating(false);
      ui.renderMessages();
      return Promise.resolve();
    }
    return session().then(function () {
      ui.renderMessages();
      connect();
    });
  }

  /** Run the calls the page queued on its stub before this script loaded (before the first session starts). */
  function replay(calls) {
    calls.forEach(function (call) {
      var name = call && call[0];
      if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(api, name)) return;
      try {
        var result = api[name].apply(null, Array.prototype.slice.call(call[1] || []));
        if (result && typeof result.catch === 'function') result.catch(function () { /* shown when the visitor writes */ });
      } catch (e) { /* one bad call does not stop the others */ }
    });
  }

  // ---- the live connection ---------------------------------------------------------------------------
  var live = { socket: null, attempt: 0, retryTimer: null, pingTimer: null, awaiting: null, open: false };

  function connect() {
    if (userToken && !identified) {
      session().then(connect, function () { /* shown when the visitor writes */ });
      return;
    }
    if (!state.token || !state.conversationId || live.socket) return;
    var socket = new WebSocket(WS_URL + '?token=' + encodeURIComponent(state.token));
    live.socket = socket;
    socket.onopen = function () {
      live.open = true;
      live.attempt = 0;
      live.awaiting = null;
      ui.setConnection(true);
      resume();
      flushOutbox();
      clearInterval(live.pingTimer);
      live.pingTimer = setInterval(function () { send({ type: 'ping', id: 'p' + Date.now() }); }, PING_EVERY_MS);
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === 'string') onFrame(frame);
    };
    socket.onclose = function () {
      clearInterval(live.pingTimer);
      if (live.socket !== socket) return;
      live.socket = null;
      live.open = false;
      live.awaiting = null;
      ui.setConnection(false);
      scheduleReconnect();
    };
  }

  /** Close the connection without reconnecting (the visitor changed). */
  function dropSocket() {
    var socket = live.socket;
    clearInterval(live.pingTimer);
    clearTimeout(live.retryTimer);
    live.socket = null;
    live.open = false;
    live.awaiting = null;
    if (socket) socket.close();
  }

  function scheduleReconnect() {
    var base = Math.min(MAX_RETRY_MS, 1000 * Math.pow(2, live.attempt));
    live.attempt += 1;
    clearTimeout(live.retryTimer);
    live.retryTimer = setTimeout(connect, base / 2 + Math.random() * base / 2);
  }

  function send(frame) {
    if (!live.socket || live.socket.readyState !== WebSocket.OPEN) return false;
    live.socket.send(JSON.stringify(frame));
    return true;
  }

  function resume() {
    send({ type: 'resume', conversation_id: state.conversationId, after_seq: state.lastSeq });
  }

  /** Messages go one at a time, each after the previous one's ack, so they are stored in the order typed. */
  function flushOutbox() {
    if (live.awaiting || !state.outbox.length) return;
    var next = state.outbox[0];
    if (next.conversation_id !== state.conversationId) {
      state.outbox.shift();
      save();
      return flushOutbox();
    }
    var frame = { type: 'message', conversation_id: next.conversation_id, body: next.body,
                  client_msg_id: next.client_msg_id };
    if (next.attachments && next.attachments.length) frame.attachments = next.attachments;
    if (send(frame)) {
      live.awaiting = next.client_msg_id;
    }
  }

  function onFrame(frame) {
    if (frame.conversation_id && frame.conversation_id !== state.conversationId) return;
    switch (frame.type) {
      case 'message': return receive(frame);
      case 'resumed': return resumed(frame);
      case 'ack': return acknowledged(frame);
      case 'typing': return ui.showTyping(frame.state === 'start', frame.author_name);
      case 'read':
        if (frame.reader === 'agent' && frame.seq > state.agentReadSeq) {
          state.agentReadSeq = frame.seq;
          save();
          ui.renderMessages();
        }
        return;
      case 'assigned':
        if (frame.agent && frame.agent.name && frame.agent.name !== state.agentName) {
          state.agentName = frame.agent.name;
          save();
          ui.notice(say('joined', { name: frame.agent.name }));
        }
        return;
      case 'status': return statusChanged(frame.status, frame.rating_requested);
      case 'error': return refused(frame);
      default: return;
    }
  }

  function receive(frame) {
    var message = frame.message || {};
    var list = state.messages;
    var known = list.findIndex(function (m) { return m.id === message.id; });
    var entry = { id: message.id, seq: frame.seq, author_type: message.author_type,
                  author_name: message.author_name, body: message.body, created_at: message.created_at,
                  attachments: files(message.attachments) };
    if (known >= 0) list[known] = entry; else list.push(entry);
    list.sort(function (a, b) { return (a.seq || Infinity) - (b.seq || Infinity); });
    // our own message came back stored (its frame may come before the ack): it is no longer to be sent
    state.outbox = state.outbox.filter(function (m) { return m.client_msg_id !== message.id; });
    if (frame.seq > state.lastSeq) state.lastSeq = frame.seq;
    if (message.author_type !== 'customer') {
      ui.showTyping(false);
      if (!ui.isOpen()) ui.unread(1);
    }
    save();
    ui.renderMessages();
    markRead();
  }

  /** The files of a message the server sent: name, size and its link (kept only when it is http or https). */
  function files(attachments) {
    if (!Array.isArray(attachments)) return [];
    return attachments.filter(function (a) { return a && typeof a === 'object'; }).map(function (a) {
      return { filename: String(a.filename || 'file'), size: typeof a.size === 'number' ? a.size : null,
               url: webUrl(a.url) };
    });
  }

  function webUrl(value) {
    if (typeof value !== 'string') return null;
    try {
      return /^https?:$/.test(new URL(value).protocol) ? value : null;
    } catch (e) {
      return null;
    }
  }

  function fileSize(bytes) {
    if (bytes == null) return '';
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }

  function resumed(frame) {
    if (frame.last_seq > state.lastSeq) state.lastSeq = frame.last_seq;
    if (frame.read_seq > state.agentReadSeq) state.agentReadSeq = frame.read_seq;
    if (frame.agent && frame.agent.name) state.agentName = frame.agent.name;
    if (frame.rating) state.rated = frame.rating.score;
    save();
    if (frame.more) return resume();
    if (frame.status) statusChanged(frame.status, !frame.rating);
    ui.renderMessages();
    markRead();
  }

  function acknowledged(frame) {
    state.outbox = state.outbox.filter(function (m) { return m.client_msg_id !== frame.client_msg_id; });
    state.messages.forEach(function (m) { if (m.id === frame.client_msg_id) m.acked = true; });
    if (live.awaiting === frame.client_msg_id) live.awaiting = null;
    save();
    ui.renderMessages();
    flushOutbox();
  }

  function refused(frame) {
    if (frame.client_msg_id) {
      if (frame.error === 'internal') {  // kept in the outbox: sent again after the next reconnect
        live.awaiting = null;
        return;
      }
      state.outbox = state.outbox.filter(function (m) { return m.client_msg_id !== frame.client_msg_id; });
      state.messages.forEach(function (m) { if (m.id === frame.client_msg_id) m.failed = frame.message; });
      live.awaiting = null;
      save();
      ui.renderMessages();
      flushOutbox();
    } else if (frame.error === 'not_found' && frame.conversation_id === state.conversationId) {
      forgetConversation();
      ui.renderMessages();
    }
  }

  function statusChanged(status, ratingRequested) {
    state.status = status;
    save();
    if (status === 'closed') clearUploads();
    ui.showRating((status === 'solved' || status === 'closed') && (ratingRequested || !state.rated));
  }

  var lastReadSent = 0;

  function markRead() {
    if (!ui.isOpen() || document.visibilityState !== 'visible' || !state.conversationId) return;
    var latest = 0;
    state.messages.forEach(function (m) { if (m.seq && m.author_type !== 'customer' && m.seq > latest) latest = m.seq; });
    if (latest > lastReadSent && send({ type: 'read', conversation_id: state.conversationId, seq: latest })) {
      lastReadSent = latest;
    }
  }

  // ---- what the visitor does ------------------------------------------------------------------------
  var typing = { sentAt: 0, timer: null };

  function typed() {
    if (!state.conversationId) return;
    var now = Date.now();
    if (now - typing.sentAt > TYPING_IDLE_MS) {
      send({ type: 'typing', conversation_id: state.conversationId, state: 'start' });
      typing.sentAt = now;
    }
    clearTimeout(typing.timer);
    typing.timer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typing.timer);
    if (typing.sentAt && state.conversationId) {
      send({ type: 'typing', conversation_id: state.conversationId, state: 'stop' });
    }
    typing.sentAt = 0;
  }

  /** Send what the visitor wrote, with the files they attached (uploaded already) to this conversation. */
  function sendMessage(body, attached) {
    body = body.trim();
    attached = attached || [];
    if (!body && !attached.length) return Promise.resolve();
    if (!body) body = attached.map(function (a) { return a.filename; }).join(', ');
    stopTyping();
    if (state.status === 'closed') {  // a closed chat is final: this message starts a new one
      forgetConversation();
      ui.showRating(false);
      attached = [];  // uploaded to the closed chat
    }
    if (!state.conversationId) return startConversation(body);
    var id = uid();
    state.messages.push({ id: id, author_type: 'customer', body: body, pending: true,
                          attachments: attached.map(function (a) { return { filename: a.filename, size: a.size, url: null }; }) });
    state.outbox.push({ client_msg_id: id, conversation_id: state.conversationId, body: body,
                        attachments: attached.map(function (a) { return a.id; }) });
    save();
    ui.renderMessages();
    connect();
    flushOutbox();
    return Promise.resolve();
  }

  // ---- files the visitor attaches ------------------------------------------------------------------
  // Each file is uploaded as soon as it is chosen: Parley checks it and hands out a form, the file goes
  // straight to the file store with it, and the next message names it. {name, size, conversationId,
  // state: 'uploading' | 'ready' | 'failed', percent, attachment (once ready), error, xhr}
  var uploads = [];

  function canAttach() {
    return Boolean(state.conversationId) && state.status !== 'closed';
  }

  function attachFiles(chosen) {
    Array.prototype.slice.call(chosen || []).forEach(function (file) {
      if (!canAttach()) return;
      if (uploads.length >= MAX_FILES_PER_MESSAGE) {
        ui.uploadNotice(say('tooMany', { max: MAX_FILES_PER_MESSAGE }));
        return;
      }
      var entry = { name: file.name || 'file', size: file.size, conversationId: state.conversationId,
                    state: 'uploading', percent: 0, attachment: null, error: null, xhr: null };
      uploads.push(entry);
      ui.showUpload(entry);
      upload(entry, file);
    });
  }

  function upload(entry, file) {
    if (!file.size) return failed(entry, new Error(say('emptyFile')));
    request('POST', '/sdk/conversations/' + encodeURIComponent(entry.conversationId) + '/attachments',
            { filename: file.name, content_type: file.type || '', size: file.size })
      .then(function (slot) {
        if (uploads.indexOf(entry) < 0) return;  // removed meanwhile
        entry.name = slot.attachment.filename;
        ui.showUpload(entry);
        return postFile(entry, slot.upload, file).then(function () {
          entry.attachment = slot.attachment;
          entry.state = 'ready';
          ui.showUpload(entry);
        });
      })
      .catch(function (error) { failed(entry, error); });
  }

  function failed(entry, error) {
    if (uploads.indexOf(entry) < 0) return;
    entry.state = 'failed';
    entry.error = error.message;
    ui.showUpload(entry);
  }

  /** Post the file with the form Parley handed out, reporting progress; an XHR, since fetch tells no upload progress. */
  function postFile(entry, form, file) {
    return new Promise(function (resolve, reject) {
      if (!form || !webUrl(form.url)) return reject(new Error(say('uploadRefused', { detail: 'no upload address' })));
      var data = new FormData();
      Object.keys(form.fields || {}).forEach(function (name) { data.append(name, form.fields[name]); });
      data.append(form.file_field || 'file', file);
      var xhr = new XMLHttpRequest();
      entry.xhr = xhr;
      xhr.open(form.method || 'POST', form.url);
      xhr.upload.onprogress = function (event) {
        if (!event.lengthComputable) return;
        entry.percent = Math.min(100, Math.round(event.loaded / event.total * 100));
        ui.showUpload(entry);
      };
      xhr.onload = function () {
        entry.xhr = null;
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        var said = /<Message>([^<]{1,200})<\/Message>/.exec(xhr.responseText || '');
        reject(new Error(say('uploadRefused', { detail: said ? said[1] : 'HTTP ' + xhr.status })));
      };
      xhr.onerror = function () {
        entry.xhr = null;
        reject(new Error(say('uploadNetwork')));
      };
      xhr.send(data);
    });
  }

  function removeUpload(entry) {
    uploads = uploads.filter(function (u) { return u !== entry; });
    if (entry.xhr) entry.xhr.abort();
    ui.dropUpload(entry);
  }

  /** Forget every chosen file (the chat they were uploaded to ended, or they were sent). */
  function clearUploads(keep) {
    uploads.slice().forEach(function (entry) { if (!keep || !keep(entry)) removeUpload(entry); });
  }

  /** The composer was submitted: send the text with the files that are ready, unless some are still uploading. */
  function submitMessage(body) {
    var mine = uploads.filter(function (u) { return u.conversationId === state.conversationId; });
    if (mine.some(function (u) { return u.state === 'uploading'; })) {
      ui.uploadNotice(say('waitUploads'));
      return false;
    }
    var attached = mine.filter(function (u) { return u.state === 'ready'; })
      .map(function (u) { return u.attachment; });
    if (!body.trim() && !attached.length) return false;
    clearUploads();
    sendMessage(body, attached);
    return true;
  }

  function startConversation(body) {
    var metadata = { page_url: location.href.slice(0, 500) };
    if (state.proactive) metadata.proactive_rule = state.proactive.rule;
    var local = { id: uid(), author_type: 'customer', body: body, pending: true };
    state.messages.push(local);
    ui.renderMessages();
    return session().then(function () {
      return request('POST', '/sdk/conversations', { message: body, department: config.department,
                                                    channel: 'chat', metadata: metadata });
    }).then(function (started) {
      state.conversationId = started.conversation_id;
      state.lastSeq = 0;
      local.id = started.message_id;
      local.acked = true;
      state.proactive = null;
      save();
      ui.renderMessages();
      if (live.open) resume(); else connect();
    }, function (error) {
      local.failed = error.message;
      ui.renderMessages();
    });
  }

  function rate(score, comment) {
    return request('POST', '/sdk/conversations/' + encodeURIComponent(state.conversationId) + '/rating',
                   { score: score, comment: comment || undefined })
      .then(function () {
        state.rated = score;
        save();
      });
  }

  function leaveOfflineMessage(name, email, message) {
    return session().then(function () {
      return request('POST', '/sdk/offline-messages', { name: name, email: email, message: message,
                                                       department: config.department });
    });
  }

  /** {online, opens_at?}; when the check fails the chat is offered (a chat started offline waits in the queue). */
  function checkAvailability() {
    var query = config.department ? '?department=' + encodeURIComponent(config.department) : '';
    return request('GET', '/sdk/availability' + query).catch(function () { return { online: true }; });
  }

  /** When the team is back, in the widget's language and the visitor's time zone ('' without a known time). */
  function backAt(opensAt) {
    var at = new Date(opensAt || NaN);
    if (isNaN(at.getTime())) return '';
    var time = at.toLocaleTimeString(language, { hour: 'numeric', minute: '2-digit' });
    if (at.toDateString() === new Date().toDateString()) return say('backToday', { time: time });
    var day = at.toLocaleDateString(language, { weekday: 'long', day: 'numeric', month: 'long' });
    return say('backLater', { day: day, time: time });
  }

  // ---- proactive chat ---------------------------------------------------------------------------------
  var pageOpenedAt = Date.now();

  function reportPageView(seconds) {
    return session().then(function () {
      return request('POST', '/sdk/page-views', { url: location.href.slice(0, 2000), seconds_on_page: seconds });
    }).then(function (answer) {
      if (answer.open) {
        var busy = state.conversationId && state.status !== 'closed';
        if (!busy) {
          state.proactive = { message: answer.message, rule: answer.rule };
          save();
          ui.open();
        }
      } else if (answer.check_after_seconds) {
        setTimeout(function () {
          reportPageView(Math.round((Date.now() - pageOpenedAt) / 1000));
        }, answer.check_after_seconds * 1000);
      }
    }).catch(function () { /* proactive chat is optional */ });
  }

  // ---- the interface (in a shadow root, so the host page's styles do not leak in) -------------------------
  var ui = (function () {
    var host = document.createElement('div');
    host.setAttribute('data-parley-widget', '');
    var root = host.attachShadow({ mode: 'open' });
    var style = document.createElement('style');
    style.textContent = [
      ':host{all:initial}',
      '*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
      '.launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;',
      'background:var(--parley-color);color:#fff;font-size:24px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646}',
      '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#d93025;',
      'color:#fff;font-size:12px;line-height:20px;padding:0 5px}',
      '.badge[hidden]{display:none}',
      '.panel{position:fixed;right:20px;bottom:88px;width:360px;max-width:calc(100vw - 40px);height:520px;',
      'max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1f2328;',
      'border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden;z-index:2147483647}',
      '.panel[hidden]{display:none}',
      'header{background:var(--parley-color);color:#fff;padding:14px 16px;display:flex;align-items:center;gap:8px}',
      'header h2{font-size:16px;margin:0;flex:1}',
      'header button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer}',
      '.status{font-size:12px;color:#6e7781;padding:4px 16px;min-height:20px}',
      '.messages{flex:1;overflow-y:auto;padding:12px 16px;display:flex;flex-direction:column;gap:8px}',
      '.msg{max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;font-size:14px}',
      '.msg.customer{align-self:flex-end;background:var(--parley-color);color:#fff}',
      '.msg.agent,.msg.proactive,.msg.greeting{align-self:flex-start;background:#f1f3f5}',
      '.msg .author{display:block;font-size:11px;opacity:.75;margin-bottom:2px}',
      '.files{list-style:none;margin:6px 0 0;padding:0;white-space:normal}',
      '.files a{color:inherit;font-weight:600;text-decoration:underline;word-break:break-all}',
      '.file-size{font-size:11px;opacity:.75}',
      '.receipt{align-self:flex-end;font-size:11px;color:#6e7781;margin-top:-4px}',
      '.receipt.failed{color:#d93025}',
      '.notice{align-self:center;font-size:12px;color:#6e7781}',
      '.typing{font-size:12px;color:#6e7781;padding:0 16px;min-height:18px}',
      'form.composer{display:flex;border-top:1px solid #e5e7eb}',
      'button.attach{background:transparent;border:0;padding:0 4px 0 12px;font-size:18px;cursor:pointer;color:#57606a}',
      'button.attach[hidden],.uploads[hidden],.upload-note:empty{display:none}',
      '.uploads{list-style:none;margin:0;padding:6px 16px;border-top:1px solid #e5e7eb;display:flex;flex-direction:column;gap:4px;font-size:13px}',
      '.upload{display:flex;align-items:center;gap:6px;flex-wrap:wrap}',
      '.upload-name{font-weight:600;word-break:break-all}',
      '.upload-status{color:#57606a}',
      '.upload.failed .upload-status{color:#d93025;flex-basis:100%;order:2}',
      '.upload progress{width:80px;height:6px}',
      '.upload button{margin-left:auto;background:transparent;border:0;font-size:16px;cursor:pointer;color:#57606a}',
      '.upload-note{font-size:12px;color:#d93025;padding:0 16px}',
      'textarea{flex:1;border:0;padding:12px;resize:none;font-size:14px;min-height:48px}',
      'button.primary{background:var(--parley-color);color:#fff;border:0;padding:0 16px;cursor:pointer;font-size:14px}',
      '.card{border-top:1px solid #e5e7eb;padding:12px 16px;display:flex;flex-direction:column;gap:8px}',
      '.card[hidden]{display:none}',
      '.card input,.card textarea{border:1px solid #d0d7de;border-radius:6px;padding:8px;font-size:14px}',
      '.card button.primary{padding:8px 12px;border-radius:6px}',
      '.scores{display:flex;gap:8px}',
      '.scores button{flex:1;padding:8px;border:1px solid #d0d7de;border-radius:6px;background:#fff;cursor:pointer}',
      '.scores button[aria-pressed="true"]{border-color:var(--parley-color);background:#eef3ff}',
      '.offline{flex:1;overflow-y:auto}',
      '.offline[hidden],.chat[hidden]{display:none}',
      '.chat{flex:1;display:flex;flex-direction:column;min-height:0}'
    ].join('');
    root.appendChild(style);
    host.style.setProperty('--parley-color', config.color);

    function el(tag, attributes, text) {
      var node = document.createElement(tag);
      Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
      if (text != null) node.textContent = text;
      return node;
    }

    var launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': say('open'),
                                   'aria-expanded': 'false' }, '💬');
    var badge = el('span', { class: 'badge', hidden: '' });
    launcher.appendChild(badge);
    var panel = el('section', { class: 'panel', role: 'dialog', 'aria-label': say('title'), hidden: '' });
    panel.setAttribute('lang', language);
    var header = el('header');
    header.appendChild(el('h2', null, say('title')));
    var closeButton = el('button', { type: 'button', 'aria-label': say('close') }, '×');
    header.appendChild(closeButton);
    panel.appendChild(header);

    var chat = el('div', { class: 'chat' });
    var connection = el('div', { class: 'status', role: 'status' });
    var list = el('div', { class: 'messages', role: 'log', 'aria-live': 'polite' });
    var typingLine = el('div', { class: 'typing', 'aria-live': 'polite' });
    var rating = el('div', { class: 'card rating', hidden: '' });
    var composer = el('form', { class: 'composer' });
    var input = el('textarea', { class: 'input', rows: '2', 'aria-label': say('message'),
                                 placeholder: say('placeholder'), maxlength: '20000' });
    var sendButton = el('button', { class: 'primary send', type: 'submit' }, say('send'));
    var attachButton = el('button', { class: 'attach', type: 'button', 'aria-label': say('attach'),
                                      title: say('attach'), hidden: '' }, '📎');
    var picker = el('input', { type: 'file', multiple: '', hidden: '', tabindex: '-1', 'aria-hidden': 'true' });
    var uploadList = el('ul', { class: 'uploads', 'aria-label': say('toSend'), hidden: '' });
    var uploadNote = el('div', { class: 'upload-note', role: 'status' });
    [attachButton, picker, input, sendButton].forEach(function (n) { composer.appendChild(n); });
    [connection, list, typingLine, rating, uploadList, uploadNote, composer].forEach(function (n) { chat.appendChild(n); });
    panel.appendChild(chat);

    var offline = el('form', { class: 'card offline', hidden: '' });
    panel.appendChild(offline);
    root.appendChild(launcher);
    root.appendChild(panel);

    var opened = false, unreadCount = 0, typingTimer = null, notices = [];

    function open() {
      opened = true;
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      unreadCount = 0;
      badge.hidden = true;
      if (state.conversationId) {
        showChat();
        connect();
      } else {
        checkAvailability().then(function (answer) {
          if (answer.online) showChat(); else showOffline(answer.opens_at);
        });
      }
      renderMessages();
      markRead();
      input.focus();
    }

    function close() {
      opened = false;
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      stopTyping();
    }

    function showChat() {
      chat.hidden = false;
      offline.hidden = true;
    }

    function showOffline(opensAt) {
      chat.hidden = true;
      offline.hidden = false;
      while (offline.firstChild) offline.removeChild(offline.firstChild);
      offline.appendChild(el('strong', null, say('offlineTitle')));
      var back = backAt(opensAt);
      if (back) offline.appendChild(el('p', { class: 'back' }, back));
      offline.appendChild(el('p', null, say('offlineIntro')));
      var name = el('input', { name: 'name', 'aria-label': say('name'), placeholder: say('name'), maxlength: '200' });
      var email = el('input', { name: 'email', type: 'email', required: '', 'aria-label': say('email'),
                                placeholder: say('email'), maxlength: '254' });
      var message = el('textarea', { name: 'message', required: '', rows: '5', 'aria-label': say('message'),
                                     placeholder: say('message'), maxlength: '20000' });
      var submit = el('button', { class: 'primary', type: 'submit' }, say('offlineSend'));
      var result = el('p', { class: 'result', role: 'status' });
      [name, email, message, submit, result].forEach(function (n) { offline.appendChild(n); });
      offline.onsubmit = function (event) {
        event.preventDefault();
        submit.disabled = true;
        leaveOfflineMessage(name.value, email.value, message.value).then(function () {
          while (offline.firstChild) offline.removeChild(offline.firstChild);
          offline.appendChild(el('p', { class: 'result', role: 'status' }, say('offlineThanks', { email: email.value })));
        }, function (error) {
          submit.disabled = false;
          result.textContent = say('error', { reason: error.message });
        });
      };
    }

    function renderMessages() {
      while (list.firstChild) list.removeChild(list.firstChild);
      list.appendChild(el('div', { class: 'msg greeting' }, config.greeting));
      if (state.proactive && !state.conversationId) {
        list.appendChild(el('div', { class: 'msg proactive' }, state.proactive.message));
      }
      var lastSeen = null;
      state.messages.forEach(function (m) {
        if (m.author_type === 'customer' && m.seq && m.seq <= state.agentReadSeq) lastSeen = m;
      });
      state.messages.forEach(function (m) {
        var mine = m.author_type === 'customer';
        var bubble = el('div', { class: 'msg ' + (mine ? 'customer' : 'agent'), 'data-seq': String(m.seq || '') });
        if (!mine && m.author_name) bubble.appendChild(el('span', { class: 'author' }, m.author_name));
        bubble.appendChild(el('span', { class: 'body' }, m.body || ''));
        if (m.attachments && m.attachments.length) {
          var links = el('ul', { class: 'files', 'aria-label': say('files') });
          m.attachments.forEach(function (file) {
            var item = el('li');
            item.appendChild(file.url
              ? el('a', { class: 'file', href: file.url, target: '_blank', rel: 'noopener noreferrer',
                          download: file.filename }, file.filename)
              : el('span', { class: 'file unavailable' }, file.filename));
            if (file.size != null) item.appendChild(el('span', { class: 'file-size' }, ' ' + fileSize(file.size)));
            links.appendChild(item);
          });
          bubble.appendChild(links);
        }
        list.appendChild(bubble);
        if (!mine) return;
        if (m.failed) {
          list.appendChild(el('div', { class: 'receipt failed' }, say('failed', { reason: m.failed })));
        } else if (m === lastSeen) {
          list.appendChild(el('div', { class: 'receipt seen' }, say('seen')));
        } else if (!m.seq && !m.acked) {
          list.appendChild(el('div', { class: 'receipt' }, say('sending')));
        }
      });
      if (state.conversationId && !state.agentName && state.messages.length && state.status !== 'closed'
          && state.status !== 'solved') {
        list.appendChild(el('div', { class: 'notice' }, say('waiting')));
      }
      notices.forEach(function (text) { list.appendChild(el('div', { class: 'notice' }, text)); });
      list.scrollTop = list.scrollHeight;
      attachButton.hidden = !canAttach();
    }

    /** Show a chosen file (new or changed): its name, then its progress, "ready" with its size, or why it failed. */
    function showUpload(entry) {
      if (!entry.node) {
        entry.node = el('li', { class: 'upload' });
        entry.nameNode = el('span', { class: 'upload-name' });
        entry.progressNode = el('progress', { max: '100', value: '0', 'aria-hidden': 'true' });
        entry.statusNode = el('span', { class: 'upload-status' });
        var remove = el('button', { type: 'button', class: 'upload-remove' }, '×');
        remove.onclick = function () {
          removeUpload(entry);
          input.focus();
        };
        entry.removeNode = remove;
        [entry.nameNode, entry.progressNode, entry.statusNode, remove].forEach(function (n) { entry.node.appendChild(n); });
        uploadList.appendChild(entry.node);
      }
      uploadNote.textContent = '';
      entry.node.className = 'upload ' + entry.state;
      entry.nameNode.textContent = entry.name;
      entry.removeNode.setAttribute('aria-label', say('remove', { name: entry.name }));
      entry.progressNode.hidden = entry.state !== 'uploading';
      entry.progressNode.value = entry.percent;
      if (entry.state === 'uploading') {
        entry.statusNode.textContent = say('uploading', { percent: entry.percent });
      } else if (entry.state === 'ready') {
        entry.statusNode.textContent = fileSize(entry.attachment.size) + ' · ' + say('ready');
      } else {
        entry.statusNode.textContent = say('notAttached', { reason: entry.error });
        entry.statusNode.setAttribute('role', 'alert');
      }
      uploadList.hidden = false;
    }

    function dropUpload(entry) {
      if (entry.node && entry.node.parentNode) entry.node.parentNode.removeChild(entry.node);
      uploadList.hidden = !uploadList.firstChild;
    }

    function uploadNotice(text) {
      uploadNote.textContent = text;
    }

    function notice(text) {
      notices.push(text);
      renderMessages();
    }

    function showTyping(on, name) {
      clearTimeout(typingTimer);
      typingLine.textContent = on ? say('typing', { name: name || state.agentName || say('someone') }) : '';
      if (on) typingTimer = setTimeout(function () { typingLine.textContent = ''; }, TYPING_SHOWN_MS);
    }

    function showRating(show) {
      while (rating.firstChild) rating.removeChild(rating.firstChild);
      rating.hidden = !show;
      if (!show) return;
      if (state.rated) {
        rating.appendChild(el('p', { role: 'status' }, say('rateThanks')));
        return;
      }
      var chosen = null;
      rating.appendChild(el('span', null, say('solved') + ' ' + say('rateQuestion')));
      var scores = el('div', { class: 'scores' });
      var buttons = ['good', 'bad'].map(function (score) {
        var button = el('button', { type: 'button', 'data-score': score, 'aria-pressed': 'false' },
                        (score === 'good' ? '👍 ' : '👎 ') + say(score));
        button.onclick = function () {
          chosen = score;
          buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
          submit.disabled = false;
        };
        scores.appendChild(button);
        return button;
      });
      var comment = el('textarea', { class: 'comment', rows: '2', 'aria-label': say('comment'),
                                     placeholder: say('comment'), maxlength: '2000' });
      var submit = el('button', { class: 'primary rate', type: 'button', disabled: '' }, say('rateSend'));
      var result = el('p', { role: 'status' });
      submit.onclick = function () {
        submit.disabled = true;
        rate(chosen, comment.value.trim()).then(function () { showRating(true); }, function (error) {
          submit.disabled = false;
          result.textContent = say('error', { reason: error.message });
        });
      };
      [scores, comment, submit, result].forEach(function (n) { rating.appendChild(n); });
    }

    function setConnection(up) {
      connection.textContent = up ? '' : say('reconnecting');
    }

    launcher.onclick = function () { if (opened) close(); else open(); };
    closeButton.onclick = close;
    input.addEventListener('input', typed);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.onsubmit = function (event) {
      event.preventDefault();
      if (submitMessage(input.value)) input.value = '';
    };
    attachButton.onclick = function () { picker.click(); };
    picker.addEventListener('change', function () {
      attachFiles(picker.files);
      picker.value = '';
    });
    document.addEventListener('visibilitychange', markRead);

    function mount() { document.body.appendChild(host); }
    if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);

    return {
      open: open, close: close, isOpen: function () { return opened; }, renderMessages: renderMessages,
      notice: notice, showTyping: showTyping, showRating: showRating, setConnection: setConnection,
      showUpload: showUpload, dropUpload: dropUpload, uploadNotice: uploadNotice,
      unread: function (n) { unreadCount += n; badge.textContent = String(unreadCount); badge.hidden = false; }
    };
  })();

  var api = { open: ui.open, close: ui.close, identify: identify };
  window.Parley = api;
  replay(queued || []);
  ui.renderMessages();
  if (state.conversationId) {
    connect();
    if (state.status === 'solved' || state.status === 'closed') ui.showRating(true);
  }
  reportPageView(0);
})();
