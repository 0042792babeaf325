// The playground speaks the LangGraph API as a customer's client would: a customer token, a thread, runs
// streamed over SSE (fetch, because EventSource cannot POST or send Authorization), and the thread's state
// polled so that a person's reply from the inbox shows up too.
(function () {
  "use strict";
  var token = null, threadId = null, streaming = false, lastRendered = "";
  var log = document.getElementById("chat-log");
  var status = document.getElementById("chat-status");
  var say = document.getElementById("say");
  var pick = document.getElementById("pick");

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({"Authorization": "Bearer " + token, "Content-Type": "application/json"}, options.headers || {});
    return fetch(path, options);
  }
  function text(content) {
    if (typeof content === "string") return content;
    if (Array.isArray(content)) return content.map(function (p) { return p && p.text ? p.text : ""; }).join(" ");
    return "";
  }
  function render(messages) {
    var shown = (messages || []).filter(function (m) {
      return (m.type === "human" || m.type === "ai") && text(m.content);
    });
    var key = JSON.stringify(shown.map(function (m) { return [m.type, text(m.content)]; }));
    if (key === lastRendered) return;
    lastRendered = key;
    log.replaceChildren.apply(log, shown.map(function (m) {
      var item = document.createElement("li");
      item.className = "msg " + (m.type === "human" ? "customer" : "agent");
      var who = document.createElement("span");
      who.className = "speaker";
      who.textContent = m.type === "human" ? "You" : (m.name ? m.name + " (support)" : "Support bot");
      var body = document.createElement("p");
      body.textContent = text(m.content);
      item.append(who, body);
      return item;
    }));
    log.scrollTop = log.scrollHeight;
  }
  async function refresh() {
    if (!threadId || streaming) return;
    var answer = await api("/threads/" + threadId + "/state");
    if (answer.ok) {
      var state = await answer.json();
      render((state.values || {}).messages);
    }
  }
  async function stream(body) {
    var answer = await api("/threads/" + threadId + "/runs/stream", {method: "POST", body: JSON.stringify(body)});
    if (!answer.ok || !answer.body) throw new Error("run refused: HTTP " + answer.status);
    var reader = answer.body.getReader(), decoder = new TextDecoder(), buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, {stream: true}).replace(/\r\n/g, "\n");
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var block = buffer.slice(0, cut), event = "", data = "";
        buffer = buffer.slice(cut + 2);
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) event = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
        });
        if (event === "values" && data) render(JSON.parse(data).messages);
        if (event === "error") status.textContent = "The run failed: " + data;
      }
    }
  }
  pick.addEventListener("submit", async function (event) {
    event.preventDefault();
    var customer = document.getElementById("customer-id").value.trim();
    var form = new URLSearchParams({customer_id: customer});
    var minted = await fetch("/console/playground/token", {
      method: "POST", body: form, headers: {"X-CSRF-Token": pick.dataset.csrf},
    });
    var answer = await minted.json();
    if (!minted.ok) { status.textContent = answer.message || "Could not start"; return; }
    token = answer.token;
    var thread = await api("/threads", {method: "POST", body: JSON.stringify({metadata: {customer_id: customer}})});
    threadId = (await thread.json()).thread_id;
    lastRendered = "";
    render([]);
    document.getElementById("chat-who").textContent = "as " + customer;
    status.textContent = "Connected as " + customer + ".";
    say.hidden = false;
    document.getElementById("message").focus();
  });
  say.addEventListener("submit", async function (event) {
    event.preventDefault();
    var box = document.getElementById("message"), words = box.value.trim();
    if (!words || streaming) return;
    box.value = "";
    streaming = true;
    status.textContent = "The bot is answering…";
    try {
      await stream({assistant_id: "support", input: {messages: [{role: "user", content: words}]}, stream_mode: ["values"]});
      status.textContent = "Connected.";
    } catch (error) {
      status.textContent = String(error.message || error);
    } finally {
      streaming = false;
      refresh();
    }
  });
  setInterval(refresh, 1500);
})();
