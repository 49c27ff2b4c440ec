/* Chat page: streams answers over fetch, renders them with DOM nodes and textContent only (never innerHTML),
   keeps the conversation across reloads and shows expert answers when they arrive. No build step. */
(function () {
  "use strict";

  const root = document.getElementById("chat");
  if (!root) return;
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const uiLang = root.dataset.lang || "en";
  const pollMs = Number(root.dataset.pollMs) || 4000;
  const STORAGE_KEY = "helpdesk.conversation";

  const log = document.getElementById("log");
  const logRegion = document.getElementById("log-region");
  const form = document.getElementById("ask");
  const question = document.getElementById("question");
  const sendButton = document.getElementById("send");
  const statusRegion = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const emptyNote = document.getElementById("empty");

  let conversationId = storageGet();
  let busy = false;
  let pollTimer = null;
  const shownExpertAnswers = new Set();
  let formCounter = 0;

  // -- small helpers ---------------------------------------------------------------------------------
  function storageGet() {
    try { return window.localStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }
  function storageSet(value) {
    try {
      if (value) window.localStorage.setItem(STORAGE_KEY, value); else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* private mode: the conversation just does not survive a reload */ }
  }

  function t(key, values) {
    let text = T[key] || key;
    Object.entries(values || {}).forEach(([name, value]) => { text = text.split("{" + name + "}").join(String(value)); });
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    children.forEach((child) => node.append(child));
    return node;
  }

  function formatDue(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    try {
      return new Intl.DateTimeFormat(uiLang, { dateStyle: "medium", timeStyle: "short" }).format(date);
    } catch (e) { return date.toLocaleString(); }
  }

  function announce(text) {
    statusRegion.textContent = "";
    window.setTimeout(() => { statusRegion.textContent = text; }, 60);
  }

  function showError(text) { errorBox.textContent = text || T.error_generic; errorBox.hidden = false; }
  function clearError() { errorBox.hidden = true; errorBox.textContent = ""; }
  function updateEmpty() { emptyNote.hidden = log.children.length > 0; }

  async function errorDetail(response) {
    try {
      const body = await response.json();
      if (body && typeof body.detail === "string") return body.detail;
    } catch (e) { /* not JSON */ }
    return T.error_generic;
  }

  async function postJSON(url, payload) {
    const response = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload), credentials: "same-origin",
    });
    if (!response.ok) throw new Error(await errorDetail(response));
    return response.json();
  }

  // -- rendering answer text safely -------------------------------------------------------------------
  const LIST_ITEM = /^\s*([-*•]|\d+[.)])\s+/;
  const INLINE = /\*\*([^*]+)\*\*|\[(\d{1,2})\]/g;

  function appendInline(parent, text, citations) {
    let last = 0;
    let match;
    INLINE.lastIndex = 0;
    while ((match = INLINE.exec(text)) !== null) {
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      const cited = match[2] !== undefined ? citations.find((c) => c.n === Number(match[2])) : null;
      if (match[1] !== undefined) parent.append(el("strong", { text: match[1] }));
      else if (cited) parent.append(el("a", { href: cited.url, class: "cite-ref", text: match[0], "aria-label": match[0] + " " + cited.title }));
      else parent.append(document.createTextNode(match[0]));
      last = INLINE.lastIndex;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  function renderText(container, text, citations) {
    container.replaceChildren();
    let paragraph = null;
    let list = null;
    String(text || "").replace(/\r/g, "").split("\n").forEach((line) => {
      if (!line.trim()) { paragraph = null; list = null; return; }
      if (LIST_ITEM.test(line)) {
        const ordered = /^\s*\d/.test(line);
        if (!list || (list.tagName === "OL") !== ordered) {
          list = el(ordered ? "ol" : "ul");
          container.append(list);
        }
        const item = el("li");
        appendInline(item, line.replace(LIST_ITEM, ""), citations);
        list.append(item);
        paragraph = null;
        return;
      }
      list = null;
      if (paragraph) paragraph.append(el("br"));
      else { paragraph = el("p"); container.append(paragraph); }
      appendInline(paragraph, line.replace(/^#{1,6}\s+/, ""), citations);
    });
  }

  function cleanSnippet(snippet) {
    return snippet.split("\n").filter((line) => !/^[\s|:-]+$/.test(line))
      .map((line) => line.replace(/^\s*\|\s*|\s*\|\s*$/g, "").replace(/\s*\|\s*/g, " · ")).join(" ");
  }

  const SVG = "http://www.w3.org/2000/svg";
  const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
    "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

  function thumb(down) {
    const icon = document.createElementNS(SVG, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("width", "18");
    icon.setAttribute("height", "18");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    if (down) icon.setAttribute("transform", "rotate(180)");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    icon.append(path);
    return icon;
  }

  // -- messages ----------------------------------------------------------------------------------------
  function addMessage(role, language) {
    const item = el("li", { class: "msg msg-" + role, lang: language || null });
    const who = el("h3", { class: "who", text: T[role === "user" ? "you" : role] });
    const body = el("div", { class: "body" });
    item.append(who, body);
    log.append(item);
    updateEmpty();
    return { item, who, body };
  }

  function addUserMessage(text, language) {
    const message = addMessage("user", language);
    message.body.append(el("p", { class: "plain", text }));
    return message;
  }

  function outcomeBlock(reply) {
    const box = el("div", { class: "outcome outcome-" + reply.outcome });
    box.append(el("p", { class: "badge badge-" + reply.outcome, text: T["outcome_" + reply.outcome] }));
    if (reply.outcome === "escalated") {
      const escalation = reply.escalation || { id: reply.escalation_id };
      if (reply.held_for_review) box.append(el("p", { text: T.held_for_review }));
      if (escalation.id) {
        box.append(el("p", { class: "escalation-ref", text: escalation.due_at
          ? t("escalation_reference", { ref: escalation.id, due: formatDue(escalation.due_at) })
          : escalation.id }));
      }
    } else if (reply.outcome === "declined") {
      box.append(el("p", { text: T.declined_help }), el("p", {}, el("a", { href: "/library", text: T.browse_library })));
    }
    return box;
  }

  function citationList(citations, messageId) {
    const headingId = "sources-" + messageId;
    const wrap = el("div", { class: "citations" }, el("h4", { id: headingId, text: T.sources }));
    const list = el("ol", { "aria-labelledby": headingId });
    citations.forEach((c) => {
      const where = [c.section ? c.section.split(" > ").pop() : "", c.page ? t("page", { page: c.page }) : ""]
        .filter(Boolean).join(", ");
      const link = el("a", { href: c.url, class: "cite" }, el("span", { class: "n", text: "[" + c.n + "] " }), c.title);
      const item = el("li", { value: c.n, id: "cite-" + messageId + "-" + c.n }, link);
      if (where) item.append(el("span", { class: "where", text: " — " + where }));
      if (c.snippet) item.append(el("p", { class: "snippet", text: cleanSnippet(c.snippet) }));
      list.append(item);
    });
    wrap.append(list);
    return wrap;
  }

  function fillAnswer(message, reply) {
    const citations = reply.citations || [];
    const messageId = reply.message_id || "new" + (++formCounter);
    message.item.id = "m-" + messageId;
    if (reply.language) message.item.lang = reply.language;
    message.body.classList.remove("streaming");
    renderText(message.body, reply.answer, citations);
    message.item.append(outcomeBlock(reply));
    if (citations.length) message.item.append(citationList(citations, messageId));
    if (reply.message_id) message.item.append(answerTools(reply.message_id));
  }

  function addExpertAnswer(stored) {
    const message = addMessage("expert", stored.language);
    message.item.id = "m-" + stored.id;
    message.item.insertBefore(el("p", { class: "badge badge-expert", text: T.outcome_expert }), message.body);
    renderText(message.body, stored.content, []);
    message.item.append(answerTools(stored.id));
    shownExpertAnswers.add(stored.id);
  }

  // -- feedback and "ask an expert" on each answer -----------------------------------------------------
  function answerTools(messageId) {
    const n = ++formCounter;
    const tools = el("div", { class: "tools" });
    const votes = el("div", { class: "votes", role: "group", "aria-labelledby": "fbq-" + n },
      el("span", { id: "fbq-" + n, class: "tools-q", text: T.feedback_question }));
    const up = el("button", { type: "button", class: "vote", "aria-pressed": "false", "data-rating": "up" },
      thumb(false), T.thumbs_up);
    const down = el("button", { type: "button", class: "vote", "aria-pressed": "false", "data-rating": "down" },
      thumb(true), T.thumbs_down);
    votes.append(up, down);
    const expertButton = el("button", { type: "button", class: "secondary ask-expert", "aria-expanded": "false",
      "aria-controls": "expert-form-" + n, text: T.ask_expert });
    const comment = commentForm(n, messageId, () => (up.getAttribute("aria-pressed") === "true" ? "up" : "down"));
    const expert = expertForm(n, messageId, expertButton, tools);
    [up, down].forEach((button) => button.addEventListener("click", async () => {
      try {
        await postJSON("/api/feedback", { conversation_id: conversationId, message_id: messageId, rating: button.dataset.rating });
        up.setAttribute("aria-pressed", String(button === up));
        down.setAttribute("aria-pressed", String(button === down));
        comment.hidden = false;
        announce(T.feedback_thanks);
      } catch (e) { showError(e.message); }
    }));
    expertButton.addEventListener("click", () => {
      const open = expert.hidden;
      expert.hidden = !open;
      expertButton.setAttribute("aria-expanded", String(open));
      if (open) expert.querySelector("textarea").focus();
    });
    tools.append(votes, expertButton, comment, expert);
    return tools;
  }

  function field(id, label, control) {
    control.id = id;
    return el("p", { class: "field" }, el("label", { for: id, text: label }), control);
  }

  function commentForm(n, messageId, currentRating) {
    const text = el("textarea", { rows: "2", maxlength: "2000", name: "comment" });
    const formNode = el("form", { class: "comment-form", hidden: true },
      field("comment-" + n, T.feedback_comment_label, text),
      el("button", { type: "submit", class: "secondary", text: T.feedback_send }));
    formNode.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await postJSON("/api/feedback", { conversation_id: conversationId, message_id: messageId,
          rating: currentRating(), comment: text.value });
        formNode.hidden = true;
        announce(T.feedback_thanks);
      } catch (e) { showError(e.message); }
    });
    return formNode;
  }

  function expertForm(n, messageId, opener, tools) {
    const note = el("textarea", { rows: "3", maxlength: "2000", name: "note" });
    const contact = el("input", { type: "text", maxlength: "255", name: "contact", autocomplete: "email" });
    const municipality = el("input", { type: "text", maxlength: "255", name: "municipality", autocomplete: "organization" });
    const country = el("input", { type: "text", maxlength: "2", pattern: "[A-Za-z]{2}", name: "country",
      autocomplete: "country", size: "3" });
    const cancel = el("button", { type: "button", class: "secondary", text: T.cancel });
    const formNode = el("form", { class: "expert-form", id: "expert-form-" + n, hidden: true,
      "aria-labelledby": "expert-title-" + n },
    el("h4", { id: "expert-title-" + n, text: T.expert_form_title }),
    field("note-" + n, T.expert_note_label, note), field("contact-" + n, T.expert_contact_label, contact),
    field("municipality-" + n, T.expert_municipality_label, municipality),
    field("country-" + n, T.expert_country_label, country),
    el("p", { class: "actions" }, el("button", { type: "submit", text: T.expert_send }), cancel));
    cancel.addEventListener("click", () => { formNode.hidden = true; opener.setAttribute("aria-expanded", "false"); opener.focus(); });
    formNode.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!formNode.reportValidity()) return;
      try {
        const ticket = await postJSON("/api/escalations", { conversation_id: conversationId, message_id: messageId,
          note: note.value, contact: contact.value, municipality: municipality.value, country: country.value || null });
        const sent = t("expert_sent", { ref: ticket.id, due: formatDue(ticket.due_at) });
        formNode.replaceWith(el("p", { class: "escalation-ref expert-sent", tabindex: "-1", text: sent }));
        opener.remove();
        tools.querySelector(".expert-sent").focus();
        announce(sent);
        startPolling();
      } catch (e) { showError(e.message); }
    });
    return formNode;
  }

  // -- streaming ----------------------------------------------------------------------------------------
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let kind = "message";
        let data = "";
        raw.split("\n").forEach((line) => {
          if (line.startsWith("event:")) kind = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        });
        if (data) onEvent(kind, JSON.parse(data));
      }
      if (done) return;
    }
  }

  async function ask(text) {
    busy = true;
    sendButton.disabled = true;
    clearError();
    const userMessage = addUserMessage(text, null);
    const answer = addMessage("assistant", null);
    answer.body.classList.add("streaming");
    answer.body.append(el("p", { class: "thinking", text: T.thinking }));
    logRegion.setAttribute("aria-busy", "true");
    announce(T.thinking);
    let streamed = "";
    let reply = null;
    try {
      const response = await fetch("/api/chat/stream", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: text, conversation_id: conversationId || undefined }),
      });
      if (!response.ok) {
        if (response.status === 404) { conversationId = null; storageSet(null); }
        throw new Error(await errorDetail(response));
      }
      await readEvents(response, (kind, data) => {
        if (kind === "token") { streamed += data.text; answer.body.textContent = streamed; }
        else if (kind === "reset") { streamed = ""; answer.body.textContent = ""; }
        else if (kind === "reply") reply = data;
        else if (kind === "error") throw new Error(data.detail);
      });
      if (!reply) throw new Error(T.error_generic);
      conversationId = reply.conversation_id;
      storageSet(conversationId);
      if (reply.language) userMessage.item.lang = reply.language;
      fillAnswer(answer, reply);
      question.value = "";
      announce(T.answer_ready + " " + T["outcome_" + reply.outcome]);
      if (reply.outcome === "escalated") startPolling();
    } catch (e) {
      userMessage.item.remove();
      answer.item.remove();
      updateEmpty();
      showError(e.message);
    } finally {
      busy = false;
      sendButton.disabled = false;
      logRegion.setAttribute("aria-busy", "false");
    }
  }

  // -- reload and expert answers ------------------------------------------------------------------------
  async function fetchConversation() {
    const response = await fetch("/api/conversations/" + encodeURIComponent(conversationId),
      { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.status === 404) { conversationId = null; storageSet(null); return null; }
    if (!response.ok) throw new Error(await errorDetail(response));
    return response.json();
  }

  function renderStored(message) {
    if (message.role === "user") addUserMessage(message.content, message.language);
    else if (message.role === "expert") addExpertAnswer(message);
    else if (message.role === "assistant") {
      fillAnswer(addMessage("assistant", message.language), {
        answer: message.content, outcome: message.outcome || "answered", citations: message.citations || [],
        escalation: message.escalation, escalation_id: message.escalation_id,
        held_for_review: message.held_for_review, message_id: message.id, language: message.language,
      });
    }
  }

  async function restore() {
    if (!conversationId) return;
    try {
      const data = await fetchConversation();
      if (!data) return;
      data.messages.forEach(renderStored);
      const referenced = new Set(data.messages.map((m) => m.escalation_id).filter(Boolean));
      (data.escalations || []).filter((e) => !e.answered && !referenced.has(e.id)).forEach((e) => {
        const notice = el("li", { class: "msg msg-system" },
          el("p", { class: "escalation-ref", text: t("expert_sent", { ref: e.id, due: formatDue(e.due_at) }) }));
        log.append(notice);
      });
      updateEmpty();
      if (data.awaiting_expert) startPolling();
    } catch (e) { showError(e.message); }
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = window.setTimeout(poll, pollMs);
  }

  async function poll() {
    pollTimer = null;
    if (!conversationId) return;
    let data = null;
    try { data = await fetchConversation(); } catch (e) { startPolling(); return; }
    if (!data) return;
    const fresh = data.messages.filter((m) => m.role === "expert" && !shownExpertAnswers.has(m.id));
    fresh.forEach(addExpertAnswer);
    if (fresh.length) announce(T.expert_arrived);
    if (data.awaiting_expert) startPolling();
  }

  // -- wiring -----------------------------------------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (busy) return;
    if (!text) { showError(T.error_empty); question.focus(); return; }
    ask(text);
  });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("new-conversation").addEventListener("click", () => {
    conversationId = null;
    storageSet(null);
    log.replaceChildren();
    shownExpertAnswers.clear();
    if (pollTimer !== null) { window.clearTimeout(pollTimer); pollTimer = null; }
    clearError();
    updateEmpty();
    question.focus();
  });

  updateEmpty();
  restore();
  if (question.value) question.focus();
}());
