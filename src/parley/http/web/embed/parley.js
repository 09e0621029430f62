/* parley comments widget: <div data-parley-article="SLUG"></div> and this script. No framework, no build.
   It never writes text from the API as HTML, except a comment's body_html, which the server sanitized. */
(function () {
  "use strict";

  var script = document.currentScript;
  var API = (script && script.getAttribute("data-parley-api")) || (script ? new URL(script.src).origin : location.origin);
  var KEEP = "parley:" + API + ":";
  var REASONS = [["spam", "Spam"], ["abuse", "Abusive or hateful"], ["off_topic", "Off topic"], ["other", "Something else"]];
  var FIELDS = [
    ["author_name", "Name", "text", "name", 80, true],
    ["author_email", "E-mail (optional, never shown)", "email", "email", 254, false],
    ["author_url", "Website (optional)", "url", "url", 2000, false]
  ];
  var serial = 0;

  /* ---- small helpers ---- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function uid(prefix) {
    serial += 1;
    return "parley-" + prefix + "-" + serial;
  }

  function load(name, fallback) {
    try {
      var raw = localStorage.getItem(KEEP + name);
      return raw ? JSON.parse(raw) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function save(name, value) {
    try {
      localStorage.setItem(KEEP + name, JSON.stringify(value));
    } catch (error) {
      /* private mode or full: the widget still works, it just forgets */
    }
  }

  function tokens() {
    return load("tokens", {});
  }

  function keepToken(id, entry) {
    var all = tokens();
    if (entry) all[id] = entry;
    else delete all[id];
    save("tokens", all);
  }

  function relative(iso) {
    var seconds = (Date.parse(iso) - Date.now()) / 1000;
    var units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
    var format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1]) return format.format(Math.round(seconds / units[i][1]), units[i][0]);
    }
    return "just now";
  }

  function timeOf(iso, label) {
    var full = new Date(iso).toLocaleString();
    return el("time", { datetime: iso, title: full, text: (label || "") + relative(iso) });
  }

  function countText(count) {
    if (!count) return "There are no comments";
    return count === 1 ? "1 comment" : count + " comments";
  }

  /* ---- the API ---- */

  function request(method, path, body, headers) {
    var options = { method: method, headers: Object.assign({ Accept: "application/json" }, headers || {}) };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var author = load("author", null);
    if (author) options.headers["X-Author-Token"] = author;
    return fetch(API + path, options).then(
      function (answer) {
        var parse = answer.status === 204 ? Promise.resolve(null) : answer.json().catch(function () { return null; });
        return parse.then(function (data) {
          return { status: answer.status, data: data, retry: answer.headers.get("Retry-After") };
        });
      },
      function () {
        return { status: 0, data: null, retry: null };
      }
    );
  }

  function problemText(answer) {
    if (answer.status === 0) return "The comment server could not be reached. Check your connection and try again.";
    if (answer.status === 429) {
      var wait = answer.retry ? " Try again in " + answer.retry + " seconds." : " Try again in a minute.";
      return "Too many attempts from your network." + wait;
    }
    var detail = answer.data && answer.data.detail;
    return detail ? detail.charAt(0).toUpperCase() + detail.slice(1) + "." : "Something went wrong (" + answer.status + ").";
  }

  /* ---- one widget ---- */

  function Widget(root) {
    this.root = root;
    this.slug = root.getAttribute("data-parley-article");
    this.sort = "oldest";
    this.shown = {};
    root.classList.add("parley");
    this.count = el("p", { class: "parley-count", tabindex: "-1" });
    this.status = el("p", { class: "parley-status", role: "status", "aria-live": "polite" });
    this.list = el("ol", { class: "parley-thread", "aria-label": "Comments" });
    this.more = el("button", { type: "button", class: "parley-more", hidden: true, text: "Show more comments" });
    this.more.addEventListener("click", this.loadMore.bind(this));
    this.open = true;
    this.moderation = "post";
    root.textContent = "";
    root.appendChild(this.count);
    root.appendChild(this.status);
    this.start();
  }

  Widget.prototype.say = function (message) {
    this.status.textContent = "";
    var status = this.status;
    setTimeout(function () { status.textContent = message; }, 50);
  };

  Widget.prototype.start = function () {
    var self = this;
    this.count.textContent = "Loading comments…";
    request("GET", "/api/v1/articles/" + encodeURIComponent(this.slug)).then(function (answer) {
      if (answer.status !== 200) {
        self.count.textContent = answer.status === 404 ? "Comments are not available for this article." : problemText(answer);
        return;
      }
      self.open = answer.data.comments.open;
      self.moderation = answer.data.comments.moderation;
      self.build();
      self.reload().then(self.listen.bind(self));
    });
  };

  /* ---- live updates (Server-Sent Events): what others post, edit and lose appears without a reload ---- */

  Widget.prototype.listen = function () {
    if (!window.EventSource || this.events) return;
    var self = this;
    var source = new EventSource(API + "/api/v1/articles/" + encodeURIComponent(this.slug) + "/comments/stream");
    this.events = source;
    function data(event) { try { return JSON.parse(event.data); } catch (error) { return null; } }
    source.addEventListener("comment", function (event) { var node = data(event); if (node) self.arrived(node); });
    source.addEventListener("removed", function (event) { var gone = data(event); if (gone) self.gone(gone.id); });
    source.addEventListener("count", function (event) { var told = data(event); if (told) self.setCount(told.count); });
    /* Too far behind to replay: read the thread again. The browser resumes by itself after a dropped line. */
    source.addEventListener("reset", function () { self.reload(); });
  };

  Widget.prototype.arrived = function (node) {
    var item = this.shown[node.id];
    if (item) {
      var card = item.querySelector("article");
      var body = card.querySelector(".parley-body");
      body.innerHTML = node.body_html || "";  /* sanitized by the server */
      var waiting = card.querySelector(".parley-waiting");
      if (waiting) waiting.remove();
      if (node.edited_at && !card.querySelector(".parley-edited")) {
        card.querySelector(".parley-head").appendChild(el("span", { class: "parley-edited", text: " · edited" }));
      }
      return;
    }
    /* A reply whose thread is not on screen, or a comment for a page not loaded yet, comes with that page. */
    if (node.parent_id ? !this.shown[node.parent_id] : (this.cursor && this.sort !== "newest")) return;
    this.place(node);
    this.say("New comment from " + node.author.name);
  };

  Widget.prototype.gone = function (id) {
    var item = this.shown[id];
    if (!item) return;
    if (item.querySelector(".parley-replies").firstChild) {
      /* Its replies stay readable in place, under a tombstone, as the thread shows it. */
      var card = item.querySelector("article");
      card.querySelector(".parley-head").textContent = "";
      card.querySelector(".parley-head").appendChild(el("span", { class: "parley-author", text: "Removed comment" }));
      var body = card.querySelector(".parley-body");
      body.textContent = "";
      body.appendChild(el("p", { class: "parley-tombstone", text: "This comment was removed." }));
      card.querySelector(".parley-actions").textContent = "";
      return;
    }
    item.remove();
    delete this.shown[id];
  };

  Widget.prototype.build = function () {
    var self = this;
    var sortId = uid("sort");
    var select = el("select", { id: sortId, class: "parley-sort" }, [
      el("option", { value: "oldest", text: "Oldest first" }),
      el("option", { value: "newest", text: "Newest first" }),
      el("option", { value: "top", text: "Most replies" })
    ]);
    select.addEventListener("change", function () {
      self.sort = select.value;
      self.reload();
    });
    var bar = el("div", { class: "parley-bar" }, [el("label", { for: sortId, text: "Sort " }), select]);
    this.root.insertBefore(bar, this.status);
    if (this.open) {
      var add = el("button", { type: "button", class: "parley-add", "aria-expanded": "false", text: "Add yours" });
      var holder = el("div", { class: "parley-new" });
      add.addEventListener("click", function () {
        if (holder.firstChild) {
          holder.firstChild.querySelector("textarea").focus();
          return;
        }
        add.setAttribute("aria-expanded", "true");
        holder.appendChild(self.form(null, holder, function () { add.setAttribute("aria-expanded", "false"); }));
        holder.querySelector("input").focus();
      });
      bar.appendChild(add);
      this.root.insertBefore(holder, this.status);
    } else {
      this.root.insertBefore(el("p", { class: "parley-closed", text: "Comments are closed." }), this.status);
    }
    this.root.appendChild(this.list);
    this.root.appendChild(this.more);
  };

  Widget.prototype.reload = function () {
    this.list.textContent = "";
    this.shown = {};
    this.cursor = null;
    return this.page().then(this.ownWaiting.bind(this));
  };

  Widget.prototype.page = function () {
    var self = this;
    var query = "?sort=" + this.sort + (this.cursor ? "&cursor=" + encodeURIComponent(this.cursor) : "");
    this.more.disabled = true;
    return request("GET", "/api/v1/articles/" + encodeURIComponent(this.slug) + "/comments" + query).then(function (answer) {
      self.more.disabled = false;
      if (answer.status !== 200) {
        self.say(problemText(answer));
        return;
      }
      self.setCount(answer.data.count);
      answer.data.items.forEach(function (node) { self.list.appendChild(self.comment(node)); });
      self.cursor = answer.data.next_cursor;
      self.more.hidden = !self.cursor;
    });
  };

  Widget.prototype.loadMore = function () {
    var before = this.list.lastElementChild;
    var self = this;
    this.page().then(function () {
      var next = before ? before.nextElementSibling : self.list.firstElementChild;
      if (next) next.querySelector("article").focus();
    });
  };

  Widget.prototype.setCount = function (count) {
    this.total = count;
    this.count.textContent = countText(count);
  };

  /* The author's own comments that wait for a moderator: shown to them in place, from their edit tokens. */
  Widget.prototype.ownWaiting = function () {
    var self = this;
    var mine = tokens();
    Object.keys(mine).forEach(function (id) {
      var entry = mine[id];
      if (entry.slug !== self.slug || self.shown[id]) return;
      request("GET", "/api/v1/comments/" + id, undefined, { "X-Edit-Token": entry.token }).then(function (answer) {
        if (answer.status === 404) keepToken(id, null);
        if (answer.status !== 200 || self.shown[id]) return;
        self.place(answer.data);
      });
    });
  };

  Widget.prototype.place = function (node) {
    var parent = node.parent_id && this.shown[node.parent_id];
    var item = this.comment(node);
    if (parent) parent.querySelector(".parley-replies").appendChild(item);
    else this.list.insertBefore(item, this.sort === "newest" ? this.list.firstChild : null);
    return item;
  };

  /* ---- a comment ---- */

  Widget.prototype.comment = function (node) {
    var self = this;
    var heading = uid("by");
    var mine = tokens()[node.id];
    var item = el("li", { class: "parley-comment", id: "parley-c-" + node.id });
    var card = el("article", { tabindex: "-1", "aria-labelledby": heading });
    var head = el("p", { class: "parley-head", id: heading });
    var body = el("div", { class: "parley-body" });
    if (!node.author) {
      head.appendChild(el("span", { class: "parley-author", text: "Removed comment" }));
      body.appendChild(el("p", { class: "parley-tombstone", text: "This comment was removed." }));
    } else {
      var name = node.author.url && /^https?:\/\//i.test(node.author.url)
        ? el("a", { href: node.author.url, rel: "nofollow ugc noopener", text: node.author.name })
        : el("span", { text: node.author.name });
      name.classList.add("parley-author");
      head.appendChild(name);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(timeOf(node.created_at));
      if (node.edited_at) head.appendChild(el("span", { class: "parley-edited", text: " · edited" }));
      body.innerHTML = node.body_html || "";  /* sanitized by the server: the one HTML the widget inserts */
    }
    card.appendChild(head);
    if (node.status === "pending") {
      card.appendChild(el("p", { class: "parley-waiting", text: "Awaiting moderation: only you can see this comment until a moderator approves it." }));
    }
    card.appendChild(body);
    var actions = el("div", { class: "parley-actions" });
    var panel = el("div", { class: "parley-panel" });
    if (node.author && this.open && node.status === "approved") {
      actions.appendChild(el("button", { type: "button", text: "Reply", onclick: function () { self.toggleReply(node, panel); } }));
    }
    if (node.author && mine && Date.parse(mine.expires) > Date.now()) {
      actions.appendChild(el("button", { type: "button", text: "Edit", onclick: function () { self.edit(node, item, panel); } }));
      actions.appendChild(el("button", { type: "button", text: "Delete", onclick: function () { self.confirmDelete(node, item, panel); } }));
    }
    if (node.author && node.status === "approved" && !mine) {
      actions.appendChild(el("button", { type: "button", text: "Flag", onclick: function () { self.flag(node, panel); } }));
    }
    card.appendChild(actions);
    card.appendChild(panel);
    var replies = el("ol", { class: "parley-replies" });
    (node.replies || []).forEach(function (reply) { replies.appendChild(self.comment(reply)); });
    card.appendChild(replies);
    if (node.replies_cursor) card.appendChild(this.moreReplies(node, replies));
    item.appendChild(card);
    this.shown[node.id] = item;
    return item;
  };

  Widget.prototype.moreReplies = function (node, replies) {
    var self = this;
    var cursor = node.replies_cursor;
    var button = el("button", { type: "button", class: "parley-more", text: "Show more replies" });
    button.addEventListener("click", function () {
      button.disabled = true;
      var path = "/api/v1/comments/" + node.id + "/replies?cursor=" + encodeURIComponent(cursor);
      request("GET", path).then(function (answer) {
        button.disabled = false;
        if (answer.status !== 200) return self.say(problemText(answer));
        answer.data.items.forEach(function (reply) { replies.appendChild(self.comment(reply)); });
        cursor = answer.data.next_cursor;
        if (!cursor) button.remove();
      });
    });
    return button;
  };

  Widget.prototype.toggleReply = function (node, panel) {
    if (panel.firstChild) {
      panel.textContent = "";
      return;
    }
    panel.appendChild(this.form(node, panel, function () {}));
    panel.querySelector("input").focus();
  };

  /* ---- writing ---- */

  Widget.prototype.form = function (parent, holder, closed) {
    var self = this;
    var remembered = load("author-fields", {});
    var form = el("form", { class: "parley-form", novalidate: true });
    var legend = parent ? "Reply to " + (parent.author ? parent.author.name : "this comment") : "Add your comment";
    var fieldset = el("fieldset", {}, [el("legend", { text: legend })]);
    FIELDS.forEach(function (field) {
      fieldset.appendChild(self.field(field[0], field[1], el("input", {
        type: field[2], name: field[0], autocomplete: field[3], maxlength: field[4], required: field[5],
        value: remembered[field[0]] || ""
      })));
    });
    var hint = uid("hint");
    var area = el("textarea", { name: "body", rows: "5", maxlength: "10000", required: true, "aria-describedby": hint });
    fieldset.appendChild(this.field("body", "Comment", area));
    fieldset.appendChild(el("p", { class: "parley-hint", id: hint, text:
      "Markdown: *italic*, **bold**, [a link](https://example.org), > a quote." +
      (this.moderation === "pre" ? " A moderator reviews each comment before it appears." : "") }));
    /* The trap for bots: hidden from people and from assistive technology, never filled by a person. */
    fieldset.appendChild(el("div", { class: "parley-trap", "aria-hidden": "true" }, [
      el("label", { text: "Leave this empty" }, [el("input", { name: "honeypot", tabindex: "-1", autocomplete: "off" })])
    ]));
    var problem = el("p", { class: "parley-problem", role: "alert", hidden: true });
    var send = el("button", { type: "submit", text: parent ? "Post reply" : "Post comment" });
    var cancel = el("button", { type: "button", class: "parley-cancel", text: "Cancel" });
    cancel.addEventListener("click", function () { holder.textContent = ""; closed(); });
    form.appendChild(fieldset);
    form.appendChild(problem);
    form.appendChild(el("div", { class: "parley-buttons" }, [send, cancel]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit(form, parent, holder, send, problem, closed);
    });
    return form;
  };

  Widget.prototype.field = function (name, label, input) {
    var id = uid(name);
    input.id = id;
    var error = el("p", { class: "parley-error", id: id + "-error", hidden: true });
    return el("div", { class: "parley-field" }, [el("label", { for: id, text: label }), input, error]);
  };

  Widget.prototype.submit = function (form, parent, holder, send, problem, closed) {
    var self = this;
    var values = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.name && input.value !== "") values[input.name] = input.value;
    });
    if (parent) values.parent_id = parent.id;
    save("author-fields", { author_name: values.author_name || "", author_email: values.author_email || "", author_url: values.author_url || "" });
    clearErrors(form, problem);
    send.disabled = true;
    request("POST", "/api/v1/articles/" + encodeURIComponent(this.slug) + "/comments", values).then(function (answer) {
      send.disabled = false;
      if (answer.status !== 201) return showErrors(form, problem, answer);
      var receipt = answer.data;
      if (receipt.author_token) save("author", receipt.author_token);
      keepToken(receipt.comment.id, { token: receipt.edit_token, slug: self.slug, expires: receipt.edit_expires_at, body: values.body });
      holder.textContent = "";
      closed();
      var item = self.place(receipt.comment);
      if (receipt.status === "approved") self.setCount((self.total || 0) + 1);
      self.say(receipt.status === "pending" ? "Your comment was sent. It will appear once a moderator approves it." : "Your comment was posted.");
      item.querySelector("article").focus();
    });
  };

  Widget.prototype.edit = function (node, item, panel) {
    var self = this;
    var mine = tokens()[node.id];
    panel.textContent = "";
    var form = el("form", { class: "parley-form", novalidate: true });
    var area = el("textarea", { name: "body", rows: "5", maxlength: "10000", required: true });
    area.value = mine.body || "";
    var problem = el("p", { class: "parley-problem", role: "alert", hidden: true });
    var save_ = el("button", { type: "submit", text: "Save changes" });
    form.appendChild(this.field("body", "Edit your comment", area));
    form.appendChild(problem);
    form.appendChild(el("div", { class: "parley-buttons" }, [save_, el("button", { type: "button", text: "Cancel", onclick: function () { panel.textContent = ""; } })]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form, problem);
      save_.disabled = true;
      request("PATCH", "/api/v1/comments/" + node.id, { body: area.value }, { "X-Edit-Token": mine.token }).then(function (answer) {
        save_.disabled = false;
        if (answer.status !== 200) return showErrors(form, problem, answer);
        keepToken(node.id, Object.assign(mine, { body: area.value }));
        var fresh = self.comment(Object.assign(answer.data, { replies: node.replies || [] }));
        item.replaceWith(fresh);
        fresh.querySelector("article").focus();
        self.say(answer.data.status === "pending" ? "Your edit was saved and waits for a moderator." : "Your edit was saved.");
      });
    });
    panel.appendChild(form);
    area.focus();
  };

  Widget.prototype.confirmDelete = function (node, item, panel) {
    var self = this;
    var mine = tokens()[node.id];
    panel.textContent = "";
    var yes = el("button", { type: "button", class: "parley-danger", text: "Delete it" });
    var no = el("button", { type: "button", text: "Keep it", onclick: function () { panel.textContent = ""; } });
    panel.appendChild(el("div", { class: "parley-confirm", role: "group", "aria-label": "Delete this comment?" }, [
      el("p", { text: "Delete this comment? This cannot be undone." }), yes, no
    ]));
    yes.addEventListener("click", function () {
      request("DELETE", "/api/v1/comments/" + node.id, undefined, { "X-Edit-Token": mine.token }).then(function (answer) {
        if (answer.status !== 204) return self.say(problemText(answer));
        keepToken(node.id, null);
        if (node.status === "approved") self.setCount(Math.max(0, (self.total || 1) - 1));
        var replies = item.querySelector(".parley-replies");
        if (replies && replies.children.length) item.replaceWith(self.comment({ id: node.id, author: null, replies: [], created_at: node.created_at, status: "removed" }));
        else item.remove();
        self.say("Your comment was deleted.");
        self.count.focus();
      });
    });
    yes.focus();
  };

  Widget.prototype.flag = function (node, panel) {
    var self = this;
    if (panel.firstChild) {
      panel.textContent = "";
      return;
    }
    var form = el("form", { class: "parley-form parley-flag" });
    var group = el("fieldset", {}, [el("legend", { text: "Why should a moderator look at this comment?" })]);
    REASONS.forEach(function (reason, index) {
      var id = uid("reason");
      group.appendChild(el("div", { class: "parley-choice" }, [
        el("input", { type: "radio", name: "reason", value: reason[0], id: id, checked: index === 0 }),
        el("label", { for: id, text: reason[1] })
      ]));
    });
    form.appendChild(group);
    form.appendChild(this.field("note", "Note (optional)", el("input", { type: "text", name: "note", maxlength: "500" })));
    var send = el("button", { type: "submit", text: "Send to moderators" });
    form.appendChild(el("div", { class: "parley-buttons" }, [send, el("button", { type: "button", text: "Cancel", onclick: function () { panel.textContent = ""; } })]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input[name=reason]:checked");
      var note = form.elements.note.value.trim();
      send.disabled = true;
      request("POST", "/api/v1/comments/" + node.id + "/flags", note ? { reason: chosen.value, note: note } : { reason: chosen.value }).then(function (answer) {
        send.disabled = false;
        if (answer.status !== 202) return self.say(problemText(answer));
        panel.textContent = "";
        self.say("Thank you. A moderator will take a look.");
      });
    });
    panel.appendChild(form);
    form.querySelector("input").focus();
  };

  /* ---- refusals, field by field ---- */

  function clearErrors(form, problem) {
    problem.hidden = true;
    problem.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll(".parley-error"), function (error) {
      error.hidden = true;
      error.textContent = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id.slice(-6) !== "-error"; });
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
    });
  }

  function showErrors(form, problem, answer) {
    var first = null;
    var unplaced = [];
    var errors = (answer.data && answer.data.errors) || [];
    errors.forEach(function (error) {
      var input = form.elements[error.field];
      if (!input || input.type === "hidden" || input.name === "honeypot") {
        unplaced.push(error.message);
        return;
      }
      var message = form.querySelector("#" + input.id + "-error");
      message.textContent = error.message.charAt(0).toUpperCase() + error.message.slice(1) + ".";
      message.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + message.id).trim());
      first = first || input;
    });
    if (!errors.length || unplaced.length) {
      problem.textContent = errors.length ? unplaced.join(" ") : problemText(answer);
      problem.hidden = false;
    }
    if (first) first.focus();
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-parley-article]"), function (root) {
      if (!root.parleyWidget) root.parleyWidget = new Widget(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
